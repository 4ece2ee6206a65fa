"""Comms and widgets in the `ladder` kernel, driven through jupyter_client: comms opened
either side, messages, close, comm_info by target, callbacks on the session thread (and an
error in one), and the widget messages checked against ipywidgets' own schema (protocol 2,
pinned in scripting/src/widgets/schema/)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from kernel_client import TIMEOUT, execute, iopub_until, kernel_client
from ladder_kernelspec import REPO, install_kernelspec

install_kernelspec()

SCHEMA_DIR = REPO / "scripting" / "src" / "widgets" / "schema"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def kc() -> Iterator[BlockingKernelClient]:
    yield from kernel_client()


def result_text(kc: BlockingKernelClient, code: str) -> str:
    reply, iopub = execute(kc, code)
    assert reply["status"] == "ok", reply
    [result] = [m for m in iopub if m["msg_type"] == "execute_result"]
    return result["content"]["data"]["text/plain"]


def send_comm(kc: BlockingKernelClient, msg_type: str, content: dict) -> list[dict]:
    """Send a comm message on shell as a front end does; its iopub messages."""
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return iopub_until(kc, msg["header"]["msg_id"])


def comm_info(kc: BlockingKernelClient, target_name: str | None = None) -> dict:
    msg_id = kc.comm_info(target_name)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    iopub_until(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    return reply["content"]["comms"]


def of_type(messages: list[dict], msg_type: str) -> list[dict]:
    return [m for m in messages if m["msg_type"] == msg_type]


def test_a_comm_opened_in_rhai_is_listed_by_target_until_closed(kc):
    _, iopub = execute(kc, 'let probe = comm("ladder.probe", #{a: 1}); probe.send(#{b: 2});')
    [opened] = of_type(iopub, "comm_open")
    assert opened["content"]["target_name"] == "ladder.probe"
    assert opened["content"]["data"] == {"a": 1}
    comm_id = opened["content"]["comm_id"]
    [sent] = of_type(iopub, "comm_msg")
    assert sent["content"] == {"comm_id": comm_id, "data": {"b": 2}}

    assert comm_info(kc, "ladder.probe") == {comm_id: {"target_name": "ladder.probe"}}
    assert comm_id in comm_info(kc)
    assert comm_info(kc, "no.such.target") == {}

    _, iopub = execute(kc, "probe.close();")
    assert [m["content"]["comm_id"] for m in of_type(iopub, "comm_close")] == [comm_id]
    assert comm_info(kc, "ladder.probe") == {}


def test_a_front_end_opens_messages_and_closes_a_registered_target(kc):
    execute(
        kc,
        'register_comm_target("ladder.echo", |c, msg| {\n'
        "    print(`opened with ${msg.data.greeting}`);\n"
        "    c.on_msg(|m| m.comm.send(#{n: m.data.n * 2}));\n"
        "});",
    )
    iopub = send_comm(
        kc, "comm_open", {"comm_id": "echo-1", "target_name": "ladder.echo", "data": {"greeting": "hi"}}
    )
    assert [m["msg_type"] for m in iopub] == ["status", "stream", "status"]
    assert iopub[1]["content"]["text"] == "opened with hi\n"
    assert comm_info(kc, "ladder.echo") == {"echo-1": {"target_name": "ladder.echo"}}

    iopub = send_comm(kc, "comm_msg", {"comm_id": "echo-1", "data": {"n": 21}})
    [answer] = of_type(iopub, "comm_msg")
    assert answer["content"] == {"comm_id": "echo-1", "data": {"n": 42}}

    send_comm(kc, "comm_close", {"comm_id": "echo-1", "data": {}})
    assert comm_info(kc, "ladder.echo") == {}


def test_a_comm_for_an_unknown_target_is_closed_at_once(kc):
    iopub = send_comm(kc, "comm_open", {"comm_id": "lost-1", "target_name": "no.such.target", "data": {}})
    assert [m["msg_type"] for m in iopub] == ["status", "comm_close", "status"]
    assert iopub[1]["content"]["comm_id"] == "lost-1"
    assert "lost-1" not in comm_info(kc)


def test_an_error_in_a_callback_goes_to_stderr_and_the_kernel_goes_on(kc):
    execute(kc, 'register_comm_target("ladder.fails", |c, msg| c.on_msg(|m| m.data.missing + 1));')
    send_comm(kc, "comm_open", {"comm_id": "fails-1", "target_name": "ladder.fails", "data": {}})
    iopub = send_comm(kc, "comm_msg", {"comm_id": "fails-1", "data": {}})
    [stderr] = [m for m in of_type(iopub, "stream") if m["content"]["name"] == "stderr"]
    assert "missing" in stderr["content"]["text"] or "+" in stderr["content"]["text"]
    assert result_text(kc, "1 + 1") == "2"


# --- widgets ---------------------------------------------------------------------------

def model_schemas() -> dict[str, dict]:
    """A JSON schema for each model's state, from ipywidgets' jupyterwidgetmodels.json."""
    types = {"int": "integer", "float": "number", "bool": "boolean", "string": "string",
             "array": "array", "reference": "string"}
    schemas = {}
    for model in json.loads((SCHEMA_DIR / "jupyterwidgetmodels.json").read_text()):
        properties = {}
        for attr in model["attributes"]:
            prop: dict = {"type": [types[attr["type"]], "null"] if attr.get("allow_none") else types[attr["type"]]}
            if attr["type"] == "reference":
                prop["pattern"] = "^IPY_MODEL_"
            if "enum" in attr:
                prop["enum"] = attr["enum"] + ([None] if attr.get("allow_none") else [])
            if attr["name"] in ("_model_name", "_model_module", "_model_module_version",
                                "_view_name", "_view_module", "_view_module_version"):
                prop["const"] = attr["default"]
            properties[attr["name"]] = prop
        schemas[model["model"]["name"]] = {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
    return schemas


SCHEMAS = model_schemas()
VIEW_SCHEMA = json.loads((SCHEMA_DIR / "view.schema.json").read_text())


def check_widget_opens(iopub: list[dict]) -> dict[str, dict]:
    """Check every widget comm_open against the schema; their states by model id."""
    states = {}
    for msg in of_type(iopub, "comm_open"):
        content = msg["content"]
        assert content["target_name"] == "jupyter.widget"
        assert msg["metadata"] == {"version": "2.1.0"}
        assert content["data"]["buffer_paths"] == []
        state = content["data"]["state"]
        jsonschema.validate(state, SCHEMAS[state["_model_name"]])
        for value in state.values():
            refs = value if isinstance(value, list) else [value]
            for ref in refs:
                if isinstance(ref, str) and ref.startswith("IPY_MODEL_"):
                    assert ref[len("IPY_MODEL_"):] in states, f"{ref} used before it was opened"
        states[content["comm_id"]] = state
    return states


def test_every_control_opens_as_ipywidgets_schema_says_and_displays_as_a_view(kc):
    code = """
let controls = [
    int_slider(#{max: 10, value: 3, description: "n"}),
    float_slider(#{min: 0.0, max: 1.0, value: 0.5}),
    log_slider(#{min: -4.0, max: -1.0, value: 0.001, description: "lr"}),
    dropdown(#{options: ["adam", "sgd"], value: "sgd"}),
    checkbox(#{value: true, description: "warmup"}),
    toggle_buttons(#{options: [1, 2, 4]}),
    button(#{description: "run"}),
    text_input(#{value: "hello"}),
    progress(#{value: 30.0}),
    output_area(),
];
let panel = vbox([hbox(controls), int_progress(#{max: 5})]);
panel"""
    reply, iopub = execute(kc, code)
    assert reply["status"] == "ok", reply
    states = check_widget_opens(iopub)
    names = sorted({s["_model_name"] for s in states.values()})
    assert {"IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "DropdownModel",
            "CheckboxModel", "ToggleButtonsModel", "ButtonModel", "TextModel",
            "FloatProgressModel", "OutputModel", "HBoxModel", "VBoxModel", "IntProgressModel",
            "LayoutModel", "SliderStyleModel"} <= set(names)
    [result] = of_type(iopub, "execute_result")
    view = result["content"]["data"][VIEW_MIME]
    jsonschema.validate(view, VIEW_SCHEMA)
    assert states[view["model_id"]]["_model_name"] == "VBoxModel"
    assert result["content"]["data"]["text/plain"].startswith("VBox(children=[HBox(children=[IntSlider(")
    dropdown = next(s for s in states.values() if s["_model_name"] == "DropdownModel")
    assert (dropdown["_options_labels"], dropdown["index"]) == (["adam", "sgd"], 1)


def test_a_slider_syncs_both_ways_and_its_observer_runs(kc):
    _, iopub = execute(
        kc,
        'let s = int_slider(#{max: 10, description: "T"});\n'
        's.observe(|change| print(`${change.name}: ${change.old} -> ${change.value}`));\n'
        "s",
    )
    states = check_widget_opens(iopub)
    slider = next(i for i, s in states.items() if s["_model_name"] == "IntSliderModel")

    iopub = send_comm(kc, "comm_msg", {"comm_id": slider, "data": {
        "method": "update", "state": {"value": 7}, "buffer_paths": []}})
    [echo] = of_type(iopub, "comm_msg")
    assert echo["content"]["data"] == {"method": "echo_update", "state": {"value": 7}, "buffer_paths": []}
    [printed] = of_type(iopub, "stream")
    assert printed["content"]["text"] == "value: 0 -> 7\n"
    assert result_text(kc, "s.value") == "7"

    _, iopub = execute(kc, "s.value = 2;")
    [update] = of_type(iopub, "comm_msg")
    assert update["content"]["comm_id"] == slider
    assert update["content"]["data"] == {"method": "update", "state": {"value": 2}, "buffer_paths": []}
    jsonschema.validate({**states[slider], **update["content"]["data"]["state"]}, SCHEMAS["IntSliderModel"])

    iopub = send_comm(kc, "comm_msg", {"comm_id": slider, "data": {"method": "request_state"}})
    [full] = of_type(iopub, "comm_msg")
    jsonschema.validate(full["content"]["data"]["state"], SCHEMAS["IntSliderModel"])
    assert full["content"]["data"]["state"]["value"] == 2


def test_a_reconnecting_front_end_gets_every_widget_state_on_the_control_comm(kc):
    _, iopub = execute(kc, "let probe_slider = int_slider(#{value: 4}); probe_slider")
    states = check_widget_opens(iopub)
    slider = next(i for i, s in states.items() if s["_model_name"] == "IntSliderModel")
    iopub = send_comm(kc, "comm_open", {"comm_id": "control-1", "target_name": "jupyter.widget.control",
                                        "data": {}})
    assert of_type(iopub, "comm_close") == []
    iopub = send_comm(kc, "comm_msg", {"comm_id": "control-1", "data": {"method": "request_states"}})
    [reply] = of_type(iopub, "comm_msg")
    data = reply["content"]["data"]
    assert (data["method"], data["buffer_paths"]) == ("update_states", [])
    assert data["states"][slider]["state"]["value"] == 4
    for model in data["states"].values():
        jsonschema.validate(model["state"], SCHEMAS[model["model_name"]])


def last_outputs(iopub: list[dict], area: str) -> list[dict]:
    updates = [m["content"]["data"]["state"]["outputs"] for m in of_type(iopub, "comm_msg")
               if m["content"]["comm_id"] == area and "outputs" in m["content"]["data"]["state"]]
    return updates[-1]


def test_interact_reruns_into_its_output_area_and_shows_errors_there(kc):
    reply, iopub = execute(kc, 'interact(|x| { if x > 8 { throw "too hot" } x * 2 }, #{x: [0, 10]})')
    assert reply["status"] == "ok", reply
    states = check_widget_opens(iopub)
    slider = next(i for i, s in states.items() if s["_model_name"] == "IntSliderModel")
    area = next(i for i, s in states.items() if s["_model_name"] == "OutputModel")
    assert states[slider]["description"] == "x"
    assert last_outputs(iopub, area)[0]["data"]["text/plain"] == "10"
    [shown] = of_type(iopub, "display_data")
    assert states[shown["content"]["data"][VIEW_MIME]["model_id"]]["_model_name"] == "VBoxModel"

    iopub = send_comm(kc, "comm_msg", {"comm_id": slider, "data": {
        "method": "update", "state": {"value": 3}, "buffer_paths": []}})
    assert last_outputs(iopub, area)[0]["data"]["text/plain"] == "6"

    iopub = send_comm(kc, "comm_msg", {"comm_id": slider, "data": {
        "method": "update", "state": {"value": 9}, "buffer_paths": []}})
    [error] = last_outputs(iopub, area)
    assert (error["output_type"], error["evalue"]) == ("error", "too hot")
    assert result_text(kc, "40 + 2") == "42"


def test_ladder_run_saves_the_widget_state_ipywidgets_schema_describes(tmp_path):
    import subprocess

    import nbformat
    from ladder_kernelspec import ladder_binary

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('let T = float_slider(#{min: 1.0, max: 8.0, description: "T"}); T'),
                nbformat.v4.new_code_cell("T.value = 4.0;")]
    path = tmp_path / "widgets.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "executed.ipynb"
    run = subprocess.run([str(ladder_binary()), "run", str(path), "-o", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert 'FloatSlider(description="T", value=1.0)' in run.stdout

    saved = nbformat.read(out, as_version=4)
    nbformat.validate(saved)
    state = saved.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    jsonschema.validate(state, json.loads((SCHEMA_DIR / "state.schema.json").read_text()))
    models = state["state"]
    view = saved.cells[0].outputs[0]["data"][VIEW_MIME]
    slider = models[view["model_id"]]
    assert slider["model_name"] == "FloatSliderModel"
    assert slider["state"]["value"] == 4.0
    for model in models.values():
        jsonschema.validate(model["state"], SCHEMAS[model["model_name"]])
