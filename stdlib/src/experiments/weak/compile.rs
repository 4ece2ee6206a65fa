//! Closures that are rules in disguise, `|r| if r.stars > 3 { 1 } else if r.text.contains("bad")
//! { 0 } else { -1 }`, read as [`Rules`] so `apply_lfs` labels whole columns at once instead of
//! calling the closure on every row. Only bodies whose every part has one meaning are read: an
//! `if`/`else if` chain ending in `else`, each branch an int literal, each condition comparisons
//! of the parameter's fields with literals (`>`, `>=`, `<`, `<=`, `==`, `!=`, `.contains("word")`)
//! joined by `&&` and `||`. The caller falls back to calling the closure whenever the columns do
//! not fit the rules (a missing field, a value of another type), so the votes and errors are
//! always those of the closure itself.

use super::rules::{Cond, Literal, Op, Rule, Rules};
use ladder_scripting::rhai::{
    ASTNode, Expr, FnCallExpr, FnPtr, Module, NativeCallContext, Stmt, StmtBlock, AST,
};

/// Most conjunctions one condition may expand to (`(a || b) && (c || d)` is 4).
const MOST_CONJUNCTIONS: usize = 16;

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
        if ns.get_script_fn("contains", 1).is_some() || ns.get_script_fn("contains", 2).is_some() {
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
            let mut rules: Vec<Rule> = dnf(&flow.expr, param)?
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

/// A condition as a disjunction of conjunctions of comparisons.
fn dnf(e: &Expr, param: &str) -> Option<Vec<Vec<Cond>>> {
    let out = match e {
        Expr::And(parts, _) => {
            let mut acc: Vec<Vec<Cond>> = vec![Vec::new()];
            for p in parts.iter() {
                let terms = dnf(p, param)?;
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
            acc
        }
        Expr::Or(parts, _) => {
            let mut acc = Vec::new();
            for p in parts.iter() {
                acc.extend(dnf(p, param)?);
            }
            acc
        }
        Expr::FnCall(call, _) => vec![vec![comparison(call, param)?]],
        Expr::Dot(..) => vec![vec![contains(e, param)?]],
        _ => return None,
    };
    (out.len() <= MOST_CONJUNCTIONS).then_some(out)
}

/// `r.field op literal`, with one of the built-in comparison operators.
fn comparison(call: &FnCallExpr, param: &str) -> Option<Cond> {
    if call.op_token.is_none() || !call.namespace.is_empty() || call.args.len() != 2 {
        return None;
    }
    let op = match call.name.as_str() {
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "<" => Op::Lt,
        "<=" => Op::Le,
        "==" => Op::Eq,
        "!=" => Op::Ne,
        _ => return None,
    };
    let column = field(&call.args[0], param)?;
    let value = match &call.args[1] {
        Expr::IntegerConstant(v, _) => Literal::Int(*v),
        Expr::FloatConstant(v, _) => Literal::Float(**v),
        Expr::StringConstant(s, _) => Literal::Text(s.to_string()),
        _ => return None,
    };
    Some(Cond { column, op, value })
}

/// `r.field.contains("word")`.
fn contains(e: &Expr, param: &str) -> Option<Cond> {
    let Expr::Dot(outer, ..) = e else { return None };
    let Expr::Dot(inner, ..) = &outer.rhs else {
        return None;
    };
    let Expr::MethodCall(call, _) = &inner.rhs else {
        return None;
    };
    if !is_param(&outer.lhs, param) || call.name != "contains" || call.args.len() != 1 {
        return None;
    }
    let (Expr::Property(p, _), Expr::StringConstant(word, _)) = (&inner.lhs, &call.args[0]) else {
        return None;
    };
    Some(Cond {
        column: p.2.to_string(),
        op: Op::Contains,
        value: Literal::Text(word.to_string()),
    })
}

/// `r.field`: the field's name.
fn field(e: &Expr, param: &str) -> Option<String> {
    let Expr::Dot(x, ..) = e else { return None };
    match (&x.lhs, &x.rhs) {
        (lhs, Expr::Property(p, _)) if is_param(lhs, param) => Some(p.2.to_string()),
        _ => None,
    }
}

fn is_param(e: &Expr, param: &str) -> bool {
    matches!(e, Expr::Variable(v, ..) if v.1 == param && v.2.is_empty())
}
