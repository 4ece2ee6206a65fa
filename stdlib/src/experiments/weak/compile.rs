//! Closures that are rules in disguise, `|r| if r.stars > 3 { 1 } else if r.text.contains("bad")
//! { 0 } else { -1 }`, read as [`Rules`] so `apply_lfs` labels whole columns at once instead of
//! calling the closure on every row. Only bodies whose every part has one meaning are read: an
//! `if`/`else if` chain ending in `else`, each branch an int literal, each condition comparisons
//! of the parameter's fields with literals (`>`, `>=`, `<`, `<=`, `==`, `!=`; on texts also
//! `.contains("word")`, `"word" in`, `.starts_with("word")`, `.ends_with("word")`, the field
//! optionally `.to_lower()` or `.to_upper()` first) joined by `&&`, `||` and `!`. The caller
//! falls back to calling the closure whenever the columns do not fit the rules (a missing field,
//! a value of another type), so the votes and errors are always those of the closure itself.

use super::rules::{Cond, Fold, Literal, Op, Rule, Rules};
use ladder_scripting::rhai::{
    ASTNode, Expr, FnCallExpr, FnPtr, Module, NativeCallContext, Stmt, StmtBlock, AST,
};

/// Most conjunctions one condition may expand to (`(a || b) && (c || d)` is 4).
const MOST_CONJUNCTIONS: usize = 16;

/// The string methods the rules stand for: a script that defines its own function of one of
/// these names may change what the method means, so its closures are called instead.
const METHODS: [&str; 5] = [
    "contains",
    "starts_with",
    "ends_with",
    "to_lower",
    "to_upper",
];

/// The rules a closure stands for, or None when its body is anything else.
pub fn closure_rules(ctx: &NativeCallContext, f: &FnPtr) -> Option<Rules> {
    if f.is_curried() {
        return None;
    }
    let mut def = None;
    for ns in ctx.iter_namespaces() {
        if def.is_none() {
            def = ns.get_script_fn(f.fn_name(), 1).cloned();
        }
        // A script's own `contains` (a method on `this`, or taking the string first) would
        // change what `.contains` means.
        let own = |name| (0..=2).any(|n| ns.get_script_fn(name, n).is_some());
        if METHODS.into_iter().any(own) {
            return None;
        }
    }
    let def = def?;
    let param = def.params[0].to_string();
    let mut module = Module::new();
    module.set_script_fn(def);
    let ast = AST::new([], module);
    let (mut statements, mut rules) = (0, None);
    ast.walk(&mut |path: &[ASTNode]| {
        if path.len() == 1 {
            statements += 1;
            if let ASTNode::Stmt(s) = path[0] {
                rules = chain(s, &param);
            }
        }
        true
    });
    let rules = rules.filter(|_| statements == 1)?;
    Some(Rules {
        source: f.fn_name().to_string(),
        rules,
    })
}

/// `if c { v } else if ... else { w }` as rules: each condition's conjunctions vote in order,
/// the final `else` is a rule without conditions (dropped when it abstains).
fn chain(s: &Stmt, param: &str) -> Option<Vec<Rule>> {
    match s {
        Stmt::If(flow, _) => {
            let vote = int_block(&flow.body)?;
            let mut rules: Vec<Rule> = dnf(&flow.expr, param, false)?
                .into_iter()
                .map(|conds| Rule { conds, vote })
                .collect();
            match flow.branch.statements() {
                [next @ Stmt::If(..)] => rules.extend(chain(next, param)?),
                _ => {
                    let last = int_block(&flow.branch)?;
                    if last != -1 {
                        rules.push(Rule {
                            conds: Vec::new(),
                            vote: last,
                        });
                    }
                }
            }
            Some(rules)
        }
        _ => None,
    }
}

/// A block that is one int literal.
fn int_block(b: &StmtBlock) -> Option<i64> {
    match b.statements() {
        [Stmt::Expr(e)] => match &**e {
            Expr::IntegerConstant(v, _) => Some(*v),
            _ => None,
        },
        _ => None,
    }
}

/// A condition (its negation when `negated`) as a disjunction of conjunctions of
/// comparisons; a negation is pushed down to the comparisons (`!(a && b)` is `!a || !b`).
fn dnf(e: &Expr, param: &str, negated: bool) -> Option<Vec<Vec<Cond>>> {
    let out = match e {
        Expr::And(parts, _) if !negated => product(parts, param, negated)?,
        Expr::Or(parts, _) if negated => product(parts, param, negated)?,
        Expr::And(parts, _) | Expr::Or(parts, _) => {
            let mut acc = Vec::new();
            for p in parts.iter() {
                acc.extend(dnf(p, param, negated)?);
            }
            acc
        }
        Expr::FnCall(call, _) if is_operator(call, "!", 1) => dnf(&call.args[0], param, !negated)?,
        Expr::FnCall(call, _) => vec![vec![comparison(call, param, negated)?]],
        Expr::Dot(..) => vec![vec![method(e, param, negated)?]],
        _ => return None,
    };
    (out.len() <= MOST_CONJUNCTIONS).then_some(out)
}

/// Every part must hold: each conjunction of one part joined with each of the others'.
fn product(parts: &[Expr], param: &str, negated: bool) -> Option<Vec<Vec<Cond>>> {
    let mut acc: Vec<Vec<Cond>> = vec![Vec::new()];
    for p in parts {
        let terms = dnf(p, param, negated)?;
        acc = acc
            .iter()
            .flat_map(|a| {
                terms
                    .iter()
                    .map(move |t| a.iter().chain(t).cloned().collect())
            })
            .collect();
        if acc.len() > MOST_CONJUNCTIONS {
            return None;
        }
    }
    Some(acc)
}

/// A built-in operator (not a script's function) of `args` arguments.
fn is_operator(call: &FnCallExpr, name: &str, args: usize) -> bool {
    call.op_token.is_some()
        && call.namespace.is_empty()
        && call.name == name
        && call.args.len() == args
}

/// `r.field op literal`, with one of the built-in comparison operators, or `"word" in
/// r.field` (which Rhai reads as the call `contains(r.field, "word")`, as it reads
/// `r.field.contains("word")`: the same function).
fn comparison(call: &FnCallExpr, param: &str, negate: bool) -> Option<Cond> {
    let contains = call.op_token.is_none() && call.name == "contains";
    if !(call.op_token.is_some() || contains) || !call.namespace.is_empty() || call.args.len() != 2
    {
        return None;
    }
    let op = match call.name.as_str() {
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "<" => Op::Lt,
        "<=" => Op::Le,
        "==" => Op::Eq,
        "!=" => Op::Ne,
        "contains" => Op::Contains,
        _ => return None,
    };
    let (column, fold) = field(&call.args[0], param)?;
    let value = match &call.args[1] {
        Expr::IntegerConstant(v, _) if op != Op::Contains => Literal::Int(*v),
        Expr::FloatConstant(v, _) if op != Op::Contains => Literal::Float(**v),
        Expr::StringConstant(s, _) => Literal::Text(s.to_string()),
        _ => return None,
    };
    Some(Cond {
        column,
        op,
        value,
        negate,
        fold,
    })
}

/// `r.field.contains("word")`, `.starts_with("word")` or `.ends_with("word")`, the field
/// optionally case-folded first.
fn method(e: &Expr, param: &str, negate: bool) -> Option<Cond> {
    let Expr::Dot(outer, ..) = e else { return None };
    let Expr::Dot(inner, ..) = &outer.rhs else {
        return None;
    };
    if !is_param(&outer.lhs, param) {
        return None;
    }
    let Expr::Property(p, _) = &inner.lhs else {
        return None;
    };
    // After the field: the test itself, or a fold and then the test.
    let (fold, test) = match &inner.rhs {
        Expr::Dot(chain, ..) => (fold_call(&chain.lhs)?, &chain.rhs),
        test => (Fold::None, test),
    };
    let Expr::MethodCall(call, _) = test else {
        return None;
    };
    let op = match call.name.as_str() {
        "contains" => Op::Contains,
        "starts_with" => Op::StartsWith,
        "ends_with" => Op::EndsWith,
        _ => return None,
    };
    let ([Expr::StringConstant(word, _)], true) = (&call.args[..], call.namespace.is_empty())
    else {
        return None;
    };
    Some(Cond {
        column: p.2.to_string(),
        op,
        value: Literal::Text(word.to_string()),
        negate,
        fold,
    })
}

/// `.to_lower()` or `.to_upper()`, as a fold.
fn fold_call(e: &Expr) -> Option<Fold> {
    let Expr::MethodCall(call, _) = e else {
        return None;
    };
    if !call.args.is_empty() || !call.namespace.is_empty() {
        return None;
    }
    match call.name.as_str() {
        "to_lower" => Some(Fold::Lower),
        "to_upper" => Some(Fold::Upper),
        _ => None,
    }
}

/// `r.field`, `r.field.to_lower()` or `r.field.to_upper()`: the field's name and fold.
fn field(e: &Expr, param: &str) -> Option<(String, Fold)> {
    let Expr::Dot(x, ..) = e else { return None };
    if !is_param(&x.lhs, param) {
        return None;
    }
    match &x.rhs {
        Expr::Property(p, _) => Some((p.2.to_string(), Fold::None)),
        Expr::Dot(y, ..) => match &y.lhs {
            Expr::Property(p, _) => Some((p.2.to_string(), fold_call(&y.rhs)?)),
            _ => None,
        },
        _ => None,
    }
}

fn is_param(e: &Expr, param: &str) -> bool {
    matches!(e, Expr::Variable(v, ..) if v.1 == param && v.2.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ladder_scripting::rhai::Engine;

    /// The rules `closure_rules` reads from the closure `source` defines, as text.
    fn read(source: &str) -> Option<String> {
        let mut engine = Engine::new();
        engine.register_fn("rules_of", |ctx: NativeCallContext, f: FnPtr| {
            closure_rules(&ctx, &f).map_or("none".to_string(), |r| {
                r.rules
                    .iter()
                    .map(|rule| {
                        let conds: Vec<String> = rule
                            .conds
                            .iter()
                            .map(|c| {
                                format!(
                                    "{}{}{:?} {:?} {:?}",
                                    if c.negate { "!" } else { "" },
                                    c.column,
                                    c.fold,
                                    c.op,
                                    c.value
                                )
                            })
                            .collect();
                        format!("{} => {}", conds.join(" & "), rule.vote)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        });
        let out: String = engine
            .eval(&format!("rules_of({source})"))
            .expect("the script runs");
        (out != "none").then_some(out)
    }

    #[test]
    fn text_methods_folds_and_in_are_read() {
        assert_eq!(
            read(r#"|r| if r.t.to_lower().contains("great") { 1 } else { -1 }"#).unwrap(),
            r#"tLower Contains Text("great") => 1"#
        );
        assert_eq!(
            read(r#"|r| if "bad" in r.t { 0 } else if r.t.starts_with("A") { 1 } else if r.t.to_upper().ends_with("!") { 2 } else { -1 }"#).unwrap(),
            r#"tNone Contains Text("bad") => 0; tNone StartsWith Text("A") => 1; tUpper EndsWith Text("!") => 2"#
        );
        // `"x" in r.t` is Rhai's call `contains(r.t, "x")`, which a cell may write itself.
        assert_eq!(
            read(r#"|r| if contains(r.t, "x") { 1 } else { -1 }"#).unwrap(),
            r#"tNone Contains Text("x") => 1"#
        );
        assert_eq!(
            read(r#"|r| if r.t.to_lower() == "ok" { 1 } else { -1 }"#).unwrap(),
            r#"tLower Eq Text("ok") => 1"#
        );
    }

    #[test]
    fn negations_are_pushed_down_to_the_comparisons() {
        assert_eq!(
            read(r#"|r| if !r.t.contains("x") { 1 } else { -1 }"#).unwrap(),
            r#"!tNone Contains Text("x") => 1"#
        );
        // !(a && b) is !a || !b; !(a || b) is !a && !b; !!a is a.
        assert_eq!(
            read(r#"|r| if !(r.a > 1 && r.b == 2) { 1 } else { -1 }"#).unwrap(),
            "!aNone Gt Int(1) => 1; !bNone Eq Int(2) => 1"
        );
        assert_eq!(
            read(r#"|r| if !(r.a > 1 || !(r.b < 2.5)) { 1 } else { 0 }"#).unwrap(),
            "!aNone Gt Int(1) & bNone Lt Float(2.5) => 1;  => 0"
        );
    }

    #[test]
    fn other_bodies_are_not_read() {
        for source in [
            r#"|r| if r.t.trim().contains("x") { 1 } else { -1 }"#,
            r#"|r| if r.t.contains(r.u) { 1 } else { -1 }"#,
            r#"|r| if 3 in r.list { 1 } else { -1 }"#,
            r#"|r| if r.t.to_lower().to_upper() == "X" { 1 } else { -1 }"#,
        ] {
            assert_eq!(read(source), None, "{source}");
        }
        // A script's own method of one of the names changes what the closure means.
        let own =
            r#"fn to_lower() { "x" } rules_of(|r| if r.t.to_lower() == "x" { 1 } else { -1 })"#;
        let mut engine = Engine::new();
        engine.register_fn("rules_of", |ctx: NativeCallContext, f: FnPtr| {
            closure_rules(&ctx, &f).is_some()
        });
        assert!(!engine.eval::<bool>(own).unwrap());
    }
}
