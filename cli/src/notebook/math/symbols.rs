//! The names TeX gives symbols, and the spaces it names, as Unicode.

/// The width in em of a spacing command (`\\,`, `\\quad`, ...).
pub(super) fn space(name: &str) -> Option<f32> {
    Some(match name {
        "," | "thinspace" => 0.1667,
        ":" | ">" | "medspace" => 0.2222,
        ";" | "thickspace" => 0.2778,
        "!" | "negthinspace" => -0.1667,
        " " => 0.25,
        "quad" => 1.0,
        "qquad" => 2.0,
        _ => return None,
    })
}

#[rustfmt::skip]
pub(super) const GREEK: &[(&str, char)] = &[
    ("alpha", 'α'), ("beta", 'β'), ("gamma", 'γ'), ("delta", 'δ'), ("epsilon", 'ϵ'),
    ("varepsilon", 'ε'), ("zeta", 'ζ'), ("eta", 'η'), ("theta", 'θ'), ("vartheta", 'ϑ'),
    ("iota", 'ι'), ("kappa", 'κ'), ("lambda", 'λ'), ("mu", 'μ'), ("nu", 'ν'), ("xi", 'ξ'),
    ("pi", 'π'), ("varpi", 'ϖ'), ("rho", 'ρ'), ("varrho", 'ϱ'), ("sigma", 'σ'),
    ("varsigma", 'ς'), ("tau", 'τ'), ("upsilon", 'υ'), ("phi", 'ϕ'), ("varphi", 'φ'),
    ("chi", 'χ'), ("psi", 'ψ'), ("omega", 'ω'), ("Gamma", 'Γ'), ("Delta", 'Δ'), ("Theta", 'Θ'),
    ("Lambda", 'Λ'), ("Xi", 'Ξ'), ("Pi", 'Π'), ("Sigma", 'Σ'), ("Upsilon", 'Υ'), ("Phi", 'Φ'),
    ("Psi", 'Ψ'), ("Omega", 'Ω'),
];

/// Letter-like symbols, drawn as identifiers.
#[rustfmt::skip]
pub(super) const LETTERS: &[(&str, char)] = &[
    ("infty", '∞'), ("partial", '∂'), ("nabla", '∇'), ("emptyset", '∅'), ("varnothing", '∅'),
    ("ell", 'ℓ'), ("hbar", 'ℏ'), ("Re", 'ℜ'), ("Im", 'ℑ'), ("aleph", 'ℵ'), ("top", '⊤'),
    ("bot", '⊥'), ("dagger", '†'),
];

#[rustfmt::skip]
pub(super) const OPERATORS: &[(&str, char)] = &[
    ("cdot", '⋅'), ("times", '×'), ("div", '÷'), ("pm", '±'), ("mp", '∓'), ("le", '≤'),
    ("leq", '≤'), ("ge", '≥'), ("geq", '≥'), ("ne", '≠'), ("neq", '≠'), ("approx", '≈'),
    ("sim", '∼'), ("simeq", '≃'), ("cong", '≅'), ("equiv", '≡'), ("propto", '∝'), ("to", '→'),
    ("rightarrow", '→'), ("leftarrow", '←'), ("gets", '←'), ("Rightarrow", '⇒'),
    ("Leftarrow", '⇐'), ("Leftrightarrow", '⇔'), ("leftrightarrow", '↔'), ("mapsto", '↦'),
    ("implies", '⟹'), ("iff", '⟺'), ("in", '∈'), ("notin", '∉'), ("ni", '∋'), ("subset", '⊂'),
    ("subseteq", '⊆'), ("supset", '⊃'), ("supseteq", '⊇'), ("cup", '∪'), ("cap", '∩'),
    ("setminus", '∖'), ("wedge", '∧'), ("land", '∧'), ("vee", '∨'), ("lor", '∨'), ("neg", '¬'),
    ("lnot", '¬'), ("forall", '∀'), ("exists", '∃'), ("ldots", '…'), ("dots", '…'),
    ("cdots", '⋯'), ("vdots", '⋮'), ("ddots", '⋱'), ("mid", '∣'), ("parallel", '∥'),
    ("perp", '⊥'), ("circ", '∘'), ("bullet", '∙'), ("star", '⋆'), ("ast", '∗'), ("oplus", '⊕'),
    ("otimes", '⊗'), ("odot", '⊙'), ("langle", '⟨'), ("rangle", '⟩'), ("lfloor", '⌊'),
    ("rfloor", '⌋'), ("lceil", '⌈'), ("rceil", '⌉'), ("vert", '|'), ("lvert", '|'),
    ("rvert", '|'), ("Vert", '‖'), ("lVert", '‖'), ("rVert", '‖'), ("|", '‖'), ("colon", ':'),
    ("ll", '≪'), ("gg", '≫'), ("prime", '′'), ("triangleq", '≜'), ("coloneqq", '≔'), ("lt", '<'),
    ("gt", '>'), ("backslash", '\\'), ("sum", '∑'), ("prod", '∏'), ("coprod", '∐'), ("int", '∫'),
    ("iint", '∬'), ("iiint", '∭'), ("oint", '∮'), ("bigcup", '⋃'), ("bigcap", '⋂'),
    ("bigvee", '⋁'), ("bigwedge", '⋀'), ("bigoplus", '⨁'), ("bigotimes", '⨂'), ("{", '{'),
    ("}", '}'), ("lbrace", '{'), ("rbrace", '}'), ("%", '%'), ("$", '$'), ("#", '#'), ("&", '&'),
    ("_", '_'),
];

/// Named functions, set upright and followed by function application.
#[rustfmt::skip]
pub(super) const FUNCTIONS: &[&str] = &[
    "log", "ln", "lg", "exp", "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh",
    "arcsin", "arccos", "arctan", "max", "min", "sup", "inf", "lim", "limsup", "liminf", "arg",
    "det", "dim", "ker", "Pr", "gcd", "deg", "hom", "argmax", "argmin", "sgn", "tr", "Tr",
];
