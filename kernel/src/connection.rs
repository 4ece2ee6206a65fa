//! The connection file Jupyter hands a kernel: where to bind and how to sign.

use serde::Deserialize;
use std::path::Path;

/// The parsed connection file.
#[derive(Clone, Debug, Deserialize)]
pub struct ConnectionInfo {
    #[serde(default = "default_transport")]
    pub transport: String,
    pub ip: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
    #[serde(default)]
    pub key: String,
    #[serde(default = "default_scheme")]
    pub signature_scheme: String,
}

fn default_transport() -> String {
    "tcp".to_string()
}

fn default_scheme() -> String {
    "hmac-sha256".to_string()
}

impl ConnectionInfo {
    /// Read and check a connection file; errors name the file and what is wrong with it.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read connection file {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("connection file {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let info: ConnectionInfo = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if info.signature_scheme != "hmac-sha256" {
            return Err(format!(
                "signature_scheme {:?} is not supported (only \"hmac-sha256\")",
                info.signature_scheme
            ));
        }
        if info.transport != "tcp" && info.transport != "ipc" {
            return Err(format!(
                "transport {:?} is not supported (\"tcp\" or \"ipc\")",
                info.transport
            ));
        }
        Ok(info)
    }

    /// The ZeroMQ endpoint for one port.
    pub fn endpoint(&self, port: u16) -> String {
        match self.transport.as_str() {
            "ipc" => format!("ipc://{}-{port}", self.ip),
            _ => format!("tcp://{}:{port}", self.ip),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4,
        "hb_port": 5, "ip": "127.0.0.1", "key": "k", "transport": "tcp",
        "signature_scheme": "hmac-sha256", "kernel_name": "ladder"}"#;

    #[test]
    fn parses_a_jupyter_connection_file() {
        let info = ConnectionInfo::parse(FILE).unwrap();
        assert_eq!(info.endpoint(info.hb_port), "tcp://127.0.0.1:5");
        assert_eq!(info.key, "k");
    }

    #[test]
    fn other_signature_schemes_are_refused_clearly() {
        let file = FILE.replace("hmac-sha256", "hmac-md5");
        let err = ConnectionInfo::parse(&file).unwrap_err();
        assert!(
            err.contains("hmac-md5") && err.contains("not supported"),
            "{err}"
        );
    }
}
