//! Math fonts as Unicode's mathematical alphanumerics, which is what MathML Core draws
//! (its `mathvariant` knows only `normal`).

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    Default,
    Upright,
    Bold,
    BoldItalic,
    DoubleStruck,
    Script,
    Fraktur,
}

/// Letters and digits in a font, as Unicode's mathematical alphanumerics (what MathML Core
/// draws; its `mathvariant` knows only `normal`).
pub(super) fn styled(text: &str, font: Font) -> String {
    text.chars().map(|c| styled_char(c, font)).collect()
}

/// Where a font's letters and digits start in Unicode, and the letters it has elsewhere.
struct Alphabet {
    upper: u32,
    lower: u32,
    digits: Option<u32>,
    /// Letters Unicode had before the math block, which the block leaves as holes.
    holes: &'static [(char, char)],
}

#[rustfmt::skip]
const DOUBLE_STRUCK: &[(char, char)] = &[
    ('C', 'ℂ'), ('H', 'ℍ'), ('N', 'ℕ'), ('P', 'ℙ'), ('Q', 'ℚ'), ('R', 'ℝ'), ('Z', 'ℤ'),
];
#[rustfmt::skip]
const SCRIPT: &[(char, char)] = &[
    ('B', 'ℬ'), ('E', 'ℰ'), ('F', 'ℱ'), ('H', 'ℋ'), ('I', 'ℐ'), ('L', 'ℒ'), ('M', 'ℳ'),
    ('R', 'ℛ'), ('e', 'ℯ'), ('g', 'ℊ'), ('o', 'ℴ'),
];
const FRAKTUR: &[(char, char)] = &[('C', 'ℭ'), ('H', 'ℌ'), ('I', 'ℑ'), ('R', 'ℜ'), ('Z', 'ℨ')];

fn alphabet(font: Font) -> Option<Alphabet> {
    let (upper, lower, digits, holes) = match font {
        Font::Default | Font::Upright => return None,
        Font::Bold => (0x1D400, 0x1D41A, Some(0x1D7CE), &[][..]),
        Font::BoldItalic => (0x1D468, 0x1D482, Some(0x1D7CE), &[][..]),
        Font::DoubleStruck => (0x1D538, 0x1D552, Some(0x1D7D8), DOUBLE_STRUCK),
        Font::Script => (0x1D49C, 0x1D4B6, None, SCRIPT),
        Font::Fraktur => (0x1D504, 0x1D51E, None, FRAKTUR),
    };
    Some(Alphabet {
        upper,
        lower,
        digits,
        holes,
    })
}

fn styled_char(c: char, font: Font) -> char {
    let Some(alphabet) = alphabet(font) else {
        return c;
    };
    if let Some((_, mapped)) = alphabet.holes.iter().find(|(k, _)| *k == c) {
        return *mapped;
    }
    let code = match c {
        'A'..='Z' => alphabet.upper + (c as u32 - 'A' as u32),
        'a'..='z' => alphabet.lower + (c as u32 - 'a' as u32),
        '0'..='9' => match alphabet.digits {
            Some(digits) => digits + (c as u32 - '0' as u32),
            None => return c,
        },
        _ => return c,
    };
    char::from_u32(code).unwrap_or(c)
}
