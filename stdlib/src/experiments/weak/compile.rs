//! Closures that are rules in disguise, `|r| if r.stars > 3 { 1 } else if r.text.contains("bad")
//! { 0 } else { -1 }`, read as [`Rules`] so `apply_lfs` labels whole columns at once instead of
//! calling the closure on every row. Only bodies whose every part has one meaning are read:
//! - first, any `let` (or `const`) naming a field, `let t = r.text.to_lower();`, a literal,
//!   `let POS = 1;`, or an array of literals; each field named so must be used (a `let` runs
//!   on every row, so a field that is never tested could fail where the rules would not);
//! - then any guards `if cond { return vote; }`;
//! - last, an `if`/`else if` chain ending in `else` whose branches are votes (`v` or
//!   `return v`), or a vote alone.
//!
//! A vote is an int literal or a name for one; a condition compares fields (or names for them)
//! with literals (`>`, `>=`, `<`, `<=`, `==`, `!=`; on texts also `.contains("word")`,
//! `"word" in`, `.starts_with("word")`, `.ends_with("word")`, `.matches("pattern")`, the field
//! optionally `.to_lower()` or `.to_upper()` first), compares a text's `.len()` with a number,
//! or tests a field's membership, `field in [a, b]`; conditions join with `&&`, `||` and `!`.
//! Names the closure captures from the cell (`const POS = 1;` above it) stand for their values
//! now, as the closure would read them when called. The caller falls back to calling the closure whenever the columns do not fit the
//! rules (a missing field, a value of another type), so the votes and errors are always those
//! of the closure itself.

use super::label_matrix::ABSTAIN;
use super::rules::{both, one_of, Cond, Fold, Literal, Op, Rule, Rules};
use ladder_scripting::rhai::{
    ASTFlags, ASTNode, Array, Dynamic, Expr, FnCallExpr, FnPtr, Module, NativeCallContext,
    ScriptFuncDef, Shared, Stmt, StmtBlock, AST,
};
use std::cell::Cell;

/// Most conjunctions one condition may expand to (`(a || b) && (c || d)` is 4).
const MOST_CONJUNCTIONS: usize = 16;

/// The string methods the rules stand for: a script that defines its own function of one of
/// these names may change what the method means, so its closures are called instead.
const METHODS: [&str; 6] = [
    "contains",
    "matches",
    "starts_with",
    "ends_with",
    "to_lower",
    "to_upper",
];

/// The rules a closure stands for, or None when its body is anything else.
pub fn closure_rules(ctx: &NativeCallContext, f: &FnPtr) -> Option<Rules> {
    let captured = f.curry();
    let mut def = None;
    for ns in ctx.iter_namespaces() {
        if def.is_none() {
            def = ns.get_script_fn(f.fn_name(), captured.len() + 1).cloned();
        }
        // A script's own `contains` (a method on `this`, or taking the string first) would
        // change what `.contains` means.
        let own = |name| (0..=2).any(|n| ns.get_script_fn(name, n).is_some());
        if METHODS.into_iter().any(own) {
            return None;
        }
    }
    let def = def?;
    // A closure's captured names come first in its parameters, its own parameter last.
    let (names, param) = def.params.split_at(captured.len());
    let mut reader = Reader {
        param: param[0].to_string(),
        fields: Vec::new(),
        constants: Vec::new(),
        lists: Vec::new(),
    };
    for (name, value) in names.iter().zip(captured) {
        if let Some(value) = literal_value(value) {
            reader.constants.push((name.to_string(), value));
        } else if let Some(list) = literal_list(value) {
            reader.lists.push((name.to_string(), list));
        }
    }
    let rules = reader.body(&body(def.clone()))?;
    reader.fields.iter().all(|f| f.used.get()).then(|| Rules {
        source: f.fn_name().to_string(),
        rules,
    })
}

/// The top-level statements of a script function's body.
fn body(def: Shared<ScriptFuncDef>) -> Vec<Stmt> {
    let mut module = Module::new();
    module.set_script_fn(def);
    let mut statements = Vec::new();
    AST::new([], module).walk(&mut |path: &[ASTNode]| {
        if let [ASTNode::Stmt(s)] = path {
            statements.push((*s).clone());
        }
        true
    });
    statements
}

/// A captured value the rules can compare with: an int, a float or a string.
fn literal_value(v: &Dynamic) -> Option<Literal> {
    if let Ok(i) = v.as_int() {
        return Some(Literal::Int(i));
    }
    if let Ok(x) = v.as_float() {
        return Some(Literal::Float(x));
    }
    v.flatten_clone()
        .into_immutable_string()
        .ok()
        .map(|s| Literal::Text(s.to_string()))
}

/// A captured array of literals, for `field in list`.
fn literal_list(v: &Dynamic) -> Option<Vec<Literal>> {
    let v = v.flatten_clone();
    let items = v.read_lock::<Array>()?;
    items.iter().map(literal_value).collect()
}

/// A field of the row, as a condition reads it: its column, case fold, and whether its
/// length (`.len()`, in characters) is what is compared.
#[derive(Clone)]
struct Field {
    column: String,
    fold: Fold,
    length: bool,
}

/// A `let` that names a field, and whether a condition reads it.
struct Local {
    name: String,
    field: Field,
    used: Cell<bool>,
}

/// What a closure's body may name: its row parameter, locals naming fields, and constants
/// (`let` of a literal, or captured from the cell).
struct Reader {
    param: String,
    fields: Vec<Local>,
    constants: Vec<(String, Literal)>,
    /// Arrays of literals, for `field in list`.
    lists: Vec<(String, Vec<Literal>)>,
}

impl Reader {
    /// The body: its `let`s, guards and final vote, in that order.
    fn body(&mut self, statements: &[Stmt]) -> Option<Vec<Rule>> {
        let (last, before) = statements.split_last()?;
        let mut rules = Vec::new();
        for s in before {
            match s {
                Stmt::Var(x, flags, _)
                    if rules.is_empty() && !flags.intersects(ASTFlags::EXPORTED) =>
                {
                    self.bind(&x.0.name, &x.1)?
                }
                Stmt::If(flow, _) if flow.branch.is_empty() => {
                    let [Stmt::Return(Some(v), flags, _)] = flow.body.statements() else {
                        return None;
                    };
                    if *flags != ASTFlags::NONE {
                        return None;
                    }
                    self.extend(&mut rules, &flow.expr, self.vote(v)?)?;
                }
                _ => return None,
            }
        }
        match last {
            Stmt::If(..) => rules.extend(self.chain(last)?),
            s => push_last(&mut rules, self.vote_stmt(s)?),
        }
        Some(rules)
    }

    /// `let name = r.field[.fold()]`, or a literal: later parts of the body may name it.
    fn bind(&mut self, name: &str, e: &Expr) -> Option<()> {
        let taken = name == self.param
            || self.fields.iter().any(|f| f.name == name)
            || self.constants.iter().any(|(n, _)| n == name)
            || self.lists.iter().any(|(n, _)| n == name);
        if taken {
            return None;
        }
        if let Some(value) = self.literal(e) {
            self.constants.push((name.to_string(), value));
            return Some(());
        }
        if let Some(list) = self.list(e) {
            self.lists.push((name.to_string(), list));
            return Some(());
        }
        let field = self.operand(e)?;
        self.fields.push(Local {
            name: name.to_string(),
            field,
            used: Cell::new(false),
        });
        Some(())
    }

    /// `if c { v } else if ... else { w }` as rules: each condition's conjunctions vote in
    /// order, the final `else` is a rule without conditions (dropped when it abstains).
    fn chain(&self, s: &Stmt) -> Option<Vec<Rule>> {
        let Stmt::If(flow, _) = s else { return None };
        let mut rules = Vec::new();
        self.extend(&mut rules, &flow.expr, self.vote_block(&flow.body)?)?;
        match flow.branch.statements() {
            [next @ Stmt::If(..)] => rules.extend(self.chain(next)?),
            _ => push_last(&mut rules, self.vote_block(&flow.branch)?),
        }
        Some(rules)
    }

    /// The rules `cond` voting `vote` stands for, after those already read.
    fn extend(&self, rules: &mut Vec<Rule>, cond: &Expr, vote: i64) -> Option<()> {
        let conds = self.dnf(cond, false)?;
        rules.extend(conds.into_iter().map(|conds| Rule { conds, vote }));
        Some(())
    }

    /// A block that is one vote.
    fn vote_block(&self, b: &StmtBlock) -> Option<i64> {
        match b.statements() {
            [s] => self.vote_stmt(s),
            _ => None,
        }
    }

    /// `v` or `return v` as a statement.
    fn vote_stmt(&self, s: &Stmt) -> Option<i64> {
        match s {
            Stmt::Expr(e) => self.vote(e),
            Stmt::Return(Some(e), flags, _) if *flags == ASTFlags::NONE => self.vote(e),
            _ => None,
        }
    }

    /// An int literal, or a name for one.
    fn vote(&self, e: &Expr) -> Option<i64> {
        match self.literal(e)? {
            Literal::Int(v) => Some(v),
            _ => None,
        }
    }

    /// A literal, or a constant's name.
    fn literal(&self, e: &Expr) -> Option<Literal> {
        match e {
            Expr::IntegerConstant(v, _) => Some(Literal::Int(*v)),
            Expr::FloatConstant(v, _) => Some(Literal::Float(**v)),
            Expr::StringConstant(s, _) => Some(Literal::Text(s.to_string())),
            Expr::Variable(v, ..) if v.2.is_empty() => self
                .constants
                .iter()
                .find(|(n, _)| *n == v.1)
                .map(|(_, value)| value.clone()),
            _ => None,
        }
    }

    /// A condition (its negation when `negated`) as a disjunction of conjunctions of
    /// comparisons; a negation is pushed down to the comparisons (`!(a && b)` is `!a || !b`).
    fn dnf(&self, e: &Expr, negated: bool) -> Option<Vec<Vec<Cond>>> {
        let out = match e {
            Expr::And(parts, _) if !negated => self.product(parts, negated)?,
            Expr::Or(parts, _) if negated => self.product(parts, negated)?,
            Expr::And(parts, _) | Expr::Or(parts, _) => {
                let mut acc = Vec::new();
                for p in parts.iter() {
                    acc.extend(self.dnf(p, negated)?);
                }
                acc
            }
            Expr::FnCall(call, _) if is_operator(call, "!", 1) => {
                self.dnf(&call.args[0], !negated)?
            }
            Expr::FnCall(call, _) => match self.membership(call) {
                // `field in [a, b]` holds where the field equals one of them.
                Some((field, items)) => {
                    one_of(items, negated, |v, n| cond(field.clone(), Op::Eq, v, n))
                }
                None => vec![vec![self.comparison(call, negated)?]],
            },
            Expr::Dot(..) => vec![vec![self.method(e, negated)?]],
            _ => return None,
        };
        (out.len() <= MOST_CONJUNCTIONS).then_some(out)
    }

    /// Every part must hold: each conjunction of one part joined with each of the others'.
    fn product(&self, parts: &[Expr], negated: bool) -> Option<Vec<Vec<Cond>>> {
        let mut acc: Vec<Vec<Cond>> = vec![Vec::new()];
        for p in parts {
            acc = both(&acc, &self.dnf(p, negated)?);
            if acc.len() > MOST_CONJUNCTIONS {
                return None;
            }
        }
        Some(acc)
    }

    /// `field op literal`, with one of the built-in comparison operators, or `"word" in
    /// field` (which Rhai reads as the call `contains(field, "word")`, as it reads
    /// `field.contains("word")`: the same function).
    fn comparison(&self, call: &FnCallExpr, negate: bool) -> Option<Cond> {
        if !is_operator(call, &call.name, 2) && !is_function(call, "contains", 2) {
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
        let field = self.operand(&call.args[0])?;
        let value = match self.literal(&call.args[1])? {
            Literal::Text(s) => Literal::Text(s),
            _ if op == Op::Contains => return None,
            number => number,
        };
        Some(cond(field, op, value, negate))
    }

    /// `field.contains("word")`, `.starts_with("word")`, `.ends_with("word")` or
    /// `.matches("pattern")`.
    fn method(&self, e: &Expr, negate: bool) -> Option<Cond> {
        let (root, links) = flatten(e)?;
        let (test, before) = links.split_last()?;
        let Expr::MethodCall(call, _) = test else {
            return None;
        };
        let op = match call.name.as_str() {
            "contains" => Op::Contains,
            "starts_with" => Op::StartsWith,
            "ends_with" => Op::EndsWith,
            "matches" => Op::Matches,
            _ => return None,
        };
        let ([word], true) = (&call.args[..], call.namespace.is_empty()) else {
            return None;
        };
        let Literal::Text(word) = self.literal(word)? else {
            return None;
        };
        let field = self.chain_field(root, before).filter(|f| !f.length)?;
        Some(cond(field, op, Literal::Text(word), negate))
    }

    /// An array of literals, or a name for one.
    fn list(&self, e: &Expr) -> Option<Vec<Literal>> {
        match e {
            Expr::Array(items, _) => items.iter().map(|i| self.literal(i)).collect(),
            Expr::DynamicConstant(v, _) => literal_list(v),
            Expr::Variable(v, ..) if v.2.is_empty() => self
                .lists
                .iter()
                .find(|(n, _)| *n == v.1)
                .map(|(_, list)| list.clone()),
            _ => None,
        }
    }

    /// `field in list`, which Rhai reads as the call `contains(list, field)`: the field and
    /// the list's items.
    fn membership(&self, call: &FnCallExpr) -> Option<(Field, Vec<Literal>)> {
        if !is_function(call, "contains", 2) {
            return None;
        }
        let items = self.list(&call.args[0])?;
        Some((self.operand(&call.args[1])?, items))
    }

    /// A field as a condition reads it: `r.field`, a local naming one, either optionally
    /// followed by `.to_lower()` or `.to_upper()` (one fold at most), then by `.len()`.
    fn operand(&self, e: &Expr) -> Option<Field> {
        match e {
            Expr::Dot(..) => {
                let (root, links) = flatten(e)?;
                self.chain_field(root, &links)
            }
            _ => self.local(e),
        }
    }

    /// The field `root.links...` reads.
    fn chain_field(&self, root: &Expr, links: &[&Expr]) -> Option<Field> {
        let (mut field, mut rest) = match (self.is_param(root), links) {
            (true, [Expr::Property(p, _), rest @ ..]) => (
                Field {
                    column: p.2.to_string(),
                    fold: Fold::None,
                    length: false,
                },
                rest,
            ),
            (true, _) => return None,
            (false, _) => (self.local(root)?, links),
        };
        if let [first, more @ ..] = rest {
            if let (Fold::None, false, Some(fold)) = (field.fold, field.length, fold_call(first)) {
                field.fold = fold;
                rest = more;
            }
        }
        match rest {
            [] => Some(field),
            [len] if !field.length && no_arg_method(len, "len") => {
                field.length = true;
                Some(field)
            }
            _ => None,
        }
    }

    /// A local naming a field; reading it marks it used.
    fn local(&self, e: &Expr) -> Option<Field> {
        let Expr::Variable(v, ..) = e else {
            return None;
        };
        let local = self
            .fields
            .iter()
            .find(|f| v.2.is_empty() && f.name == v.1)?;
        local.used.set(true);
        Some(local.field.clone())
    }

    fn is_param(&self, e: &Expr) -> bool {
        matches!(e, Expr::Variable(v, ..) if v.1 == self.param && v.2.is_empty())
    }
}

fn cond(field: Field, op: Op, value: Literal, negate: bool) -> Cond {
    Cond {
        column: field.column,
        op,
        value,
        negate,
        fold: field.fold,
        length: field.length,
    }
}

/// The last vote, a rule without conditions, dropped when it abstains.
fn push_last(rules: &mut Vec<Rule>, vote: i64) {
    if vote != ABSTAIN {
        rules.push(Rule {
            conds: Vec::new(),
            vote,
        });
    }
}

/// `a.b.c()` as its root `a` and its links `[b, c()]`.
fn flatten(e: &Expr) -> Option<(&Expr, Vec<&Expr>)> {
    let Expr::Dot(x, ..) = e else { return None };
    let mut links = Vec::new();
    let mut next = &x.rhs;
    while let Expr::Dot(y, ..) = next {
        links.push(&y.lhs);
        next = &y.rhs;
    }
    links.push(next);
    Some((&x.lhs, links))
}

/// A call of the function `name` (not an operator) with `args` arguments.
fn is_function(call: &FnCallExpr, name: &str, args: usize) -> bool {
    call.op_token.is_none()
        && call.namespace.is_empty()
        && call.name == name
        && call.args.len() == args
}

/// A built-in operator (not a script's function) of `args` arguments.
fn is_operator(call: &FnCallExpr, name: &str, args: usize) -> bool {
    call.op_token.is_some()
        && call.namespace.is_empty()
        && call.name == name
        && call.args.len() == args
}

/// `.to_lower()` or `.to_upper()`, as a fold.
fn fold_call(e: &Expr) -> Option<Fold> {
    if no_arg_method(e, "to_lower") {
        Some(Fold::Lower)
    } else if no_arg_method(e, "to_upper") {
        Some(Fold::Upper)
    } else {
        None
    }
}

/// `.name()`, with no arguments.
fn no_arg_method(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::MethodCall(call, _)
        if call.name == name && call.args.is_empty() && call.namespace.is_empty())
}

#[cfg(test)]
mod tests;
