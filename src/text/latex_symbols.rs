//! The LaTeX renderer's data: control words and the text they stand for (Greek, operators,
//! arrows, letters), script characters, accents and the macros the renderer knows by name.
//! Data, not logic: long by nature.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

pub(super) fn superscript_char(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' | '−' => '⁻',
        '=' => '⁼',
        '(' => '⁽',
        ')' => '⁾',
        'n' => 'ⁿ',
        'i' => 'ⁱ',
        'T' => 'ᵀ',
        '′' | '\'' => '′',
        '*' | '∗' => '*',
        _ => return None,
    })
}

pub(super) fn subscript_char(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' | '−' => '₋',
        '=' => '₌',
        '(' => '₍',
        ')' => '₎',
        _ => return None,
    })
}

pub(super) fn double_struck(letter: &str) -> Option<char> {
    Some(match letter {
        "R" => 'ℝ',
        "N" => 'ℕ',
        "Z" => 'ℤ',
        "Q" => 'ℚ',
        "C" => 'ℂ',
        "P" => 'ℙ',
        "H" => 'ℍ',
        "E" => '𝔼',
        "1" => '𝟙',
        _ => return None,
    })
}

/// Macros that print their one argument as plain text.
pub(super) fn is_text_argument(name: &str) -> bool {
    matches!(
        name,
        "textbf"
            | "textit"
            | "emph"
            | "textrm"
            | "textsf"
            | "texttt"
            | "textsc"
            | "textsl"
            | "textup"
            | "textmd"
            | "textnormal"
            | "text"
            | "mbox"
            | "hbox"
            | "underline"
            | "mathrm"
            | "mathbf"
            | "mathit"
            | "mathsf"
            | "mathtt"
            | "mathcal"
            | "mathscr"
            | "mathfrak"
            | "mathnormal"
            | "boldsymbol"
            | "bm"
            | "operatorname"
            | "pmb"
    )
}

/// Font switches and spacing/sizing commands that print nothing.
pub(super) fn is_switch(name: &str) -> bool {
    matches!(
        name,
        "bf" | "it"
            | "em"
            | "rm"
            | "tt"
            | "sc"
            | "sl"
            | "sf"
            | "cal"
            | "bfseries"
            | "itshape"
            | "rmfamily"
            | "sffamily"
            | "ttfamily"
            | "scshape"
            | "upshape"
            | "mdseries"
            | "normalfont"
            | "displaystyle"
            | "textstyle"
            | "scriptstyle"
            | "big"
            | "Big"
            | "bigg"
            | "Bigg"
            | "bigl"
            | "bigr"
            | "Bigl"
            | "Bigr"
            | "biggl"
            | "biggr"
            | "limits"
            | "nolimits"
            | "nonumber"
            | "noindent"
            | "centering"
            | "small"
            | "footnotesize"
            | "large"
            | "Large"
            | "normalsize"
    )
}

/// Every control word the renderer understands (used to recognise `{\em …}` groups).
pub(super) fn is_known_word(name: &str) -> bool {
    latex_symbol(name).is_some()
        || is_switch(name)
        || is_text_argument(name)
        || letter_accent_mark(name).is_some()
        || math_accent_mark(name).is_some()
        || matches!(
            name,
            "left"
                | "right"
                | "url"
                | "href"
                | "mathbb"
                | "mathbbm"
                | "mathds"
                | "frac"
                | "dfrac"
                | "tfrac"
                | "sqrt"
                | "textsuperscript"
                | "textsubscript"
        )
}

/// Macros for letters (`\ss`, `\o`, `\ae`, …), which TeX runs into the following text.
pub(super) fn is_letter_macro(name: &str) -> bool {
    matches!(
        name,
        "ss" | "o" | "O" | "ae" | "AE" | "oe" | "OE" | "aa" | "AA" | "l" | "L" | "i" | "j"
    )
}

/// The combining mark for a symbol accent (`\'e`, `\"o`, …).
pub(super) fn accent_mark(symbol: char) -> Option<char> {
    Some(match symbol {
        '\'' => '\u{301}',
        '`' => '\u{300}',
        '^' => '\u{302}',
        '~' => '\u{303}',
        '=' => '\u{304}',
        '.' => '\u{307}',
        '"' => '\u{308}',
        _ => return None,
    })
}

/// The combining mark for a letter accent (`\c{c}`, `\v{s}`, …), which needs braces.
pub(super) fn letter_accent_mark(name: &str) -> Option<char> {
    Some(match name {
        "c" => '\u{327}',
        "v" => '\u{30c}',
        "u" => '\u{306}',
        "H" => '\u{30b}',
        "r" => '\u{30a}',
        "k" => '\u{328}',
        _ => return None,
    })
}

/// The combining mark for a math accent (`\hat{x}` → x̂).
pub(super) fn math_accent_mark(name: &str) -> Option<char> {
    Some(match name {
        "hat" | "widehat" => '\u{302}',
        "tilde" | "widetilde" => '\u{303}',
        "bar" | "overline" => '\u{304}',
        "dot" => '\u{307}',
        "ddot" => '\u{308}',
        "vec" => '\u{20d7}',
        _ => return None,
    })
}

/// Precomposed letter for an accent, for the letters that have one in common use.
pub(super) fn compose_accent(mark: char, letter: char) -> Option<char> {
    let table: &[(char, &str, &str)] = &[
        (
            '\u{301}',
            "aeiouyAEIOUYcCnNsSzZlLrRg",
            "áéíóúýÁÉÍÓÚÝćĆńŃśŚźŹĺĹŕŔǵ",
        ),
        ('\u{300}', "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
        ('\u{302}', "aeiouAEIOUcCgGsSwWyY", "âêîôûÂÊÎÔÛĉĈĝĜŝŜŵŴŷŶ"),
        ('\u{308}', "aeiouyAEIOUY", "äëïöüÿÄËÏÖÜŸ"),
        ('\u{303}', "anoANO", "ãñõÃÑÕ"),
        ('\u{327}', "cCsStT", "çÇşŞţŢ"),
        ('\u{30c}', "cCsSzZrReEnNdDtT", "čČšŠžŽřŘěĚňŇďĎťŤ"),
        ('\u{30a}', "aAuU", "åÅůŮ"),
        ('\u{304}', "aeiouAEIOU", "āēīōūĀĒĪŌŪ"),
        ('\u{306}', "aAgGuU", "ăĂğĞŭŬ"),
        ('\u{30b}', "oOuU", "őŐűŰ"),
        ('\u{328}', "aAeE", "ąĄęĘ"),
        ('\u{307}', "zZeEI", "żŻėĖİ"),
    ];
    let (_, letters, composed) = table.iter().find(|(m, _, _)| *m == mark)?;
    let index = letters.chars().position(|c| c == letter)?;
    composed.chars().nth(index)
}

/// Control words that stand for a symbol or a word.
pub(super) fn latex_symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        // Greek, lower case.
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" => "ε",
        "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "vartheta" => "ϑ",
        "iota" => "ι",
        "kappa" => "κ",
        "varkappa" => "ϰ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "omicron" => "ο",
        "pi" => "π",
        "varpi" => "ϖ",
        "rho" => "ρ",
        "varrho" => "ϱ",
        "sigma" => "σ",
        "varsigma" => "ς",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" => "φ",
        "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        // Greek, upper case (including those LaTeX writes as Latin letters).
        "Alpha" => "Α",
        "Beta" => "Β",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Epsilon" => "Ε",
        "Zeta" => "Ζ",
        "Eta" => "Η",
        "Theta" => "Θ",
        "Iota" => "Ι",
        "Kappa" => "Κ",
        "Lambda" => "Λ",
        "Mu" => "Μ",
        "Nu" => "Ν",
        "Xi" => "Ξ",
        "Omicron" => "Ο",
        "Pi" => "Π",
        "Rho" => "Ρ",
        "Sigma" => "Σ",
        "Tau" => "Τ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Chi" => "Χ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "varGamma" => "Γ",
        "varDelta" => "Δ",
        "varTheta" => "Θ",
        "varLambda" => "Λ",
        "varSigma" => "Σ",
        "varPhi" => "Φ",
        "varPsi" => "Ψ",
        "varOmega" => "Ω",
        // Relations.
        "leq" | "le" | "leqslant" => "≤",
        "geq" | "ge" | "geqslant" => "≥",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "sim" => "∼",
        "simeq" => "≃",
        "cong" => "≅",
        "equiv" => "≡",
        "propto" => "∝",
        "ll" => "≪",
        "gg" => "≫",
        "lesssim" => "≲",
        "gtrsim" => "≳",
        "prec" => "≺",
        "succ" => "≻",
        "preceq" => "⪯",
        "succeq" => "⪰",
        "triangleq" => "≜",
        "coloneqq" => "≔",
        "in" => "∈",
        "notin" => "∉",
        "ni" => "∋",
        "subset" => "⊂",
        "subseteq" => "⊆",
        "supset" => "⊃",
        "supseteq" => "⊇",
        "perp" => "⊥",
        "parallel" => "∥",
        "mid" => "∣",
        "vdash" => "⊢",
        "models" => "⊨",
        // Arrows.
        "to" | "rightarrow" => "→",
        "leftarrow" | "gets" => "←",
        "Rightarrow" => "⇒",
        "Leftarrow" => "⇐",
        "leftrightarrow" => "↔",
        "Leftrightarrow" => "⇔",
        "iff" => "⟺",
        "implies" => "⟹",
        "mapsto" => "↦",
        "longrightarrow" => "⟶",
        "longleftarrow" => "⟵",
        "uparrow" => "↑",
        "downarrow" => "↓",
        // Operators.
        "times" => "×",
        "cdot" => "·",
        "pm" => "±",
        "mp" => "∓",
        "div" => "÷",
        "ast" => "∗",
        "star" => "⋆",
        "circ" => "∘",
        "bullet" => "•",
        "oplus" => "⊕",
        "otimes" => "⊗",
        "odot" => "⊙",
        "cup" => "∪",
        "cap" => "∩",
        "bigcup" => "⋃",
        "bigcap" => "⋂",
        "setminus" => "∖",
        "wedge" | "land" => "∧",
        "vee" | "lor" => "∨",
        "neg" | "lnot" => "¬",
        "sum" => "Σ",
        "prod" => "∏",
        "int" => "∫",
        "oint" => "∮",
        "partial" => "∂",
        "nabla" => "∇",
        "forall" => "∀",
        "exists" => "∃",
        "emptyset" | "varnothing" => "∅",
        "infty" => "∞",
        "ell" => "ℓ",
        "hbar" => "ℏ",
        "Re" => "ℜ",
        "Im" => "ℑ",
        "aleph" => "ℵ",
        "top" => "⊤",
        "bot" => "⊥",
        "angle" => "∠",
        "prime" => "′",
        "langle" => "⟨",
        "rangle" => "⟩",
        "lceil" => "⌈",
        "rceil" => "⌉",
        "lfloor" => "⌊",
        "rfloor" => "⌋",
        "lvert" | "rvert" | "vert" => "|",
        "lVert" | "rVert" | "Vert" => "‖",
        "colon" => ":",
        "ldots" | "dots" | "cdots" | "textellipsis" => "…",
        "quad" | "qquad" => " ",
        "checkmark" => "✓",
        "dagger" | "dag" => "†",
        "ddagger" | "ddag" => "‡",
        "degree" | "textdegree" => "°",
        // Function names print as words.
        "log" => "log",
        "ln" => "ln",
        "exp" => "exp",
        "sin" => "sin",
        "cos" => "cos",
        "tan" => "tan",
        "max" => "max",
        "min" => "min",
        "arg" => "arg",
        "argmax" => "argmax",
        "argmin" => "argmin",
        "lim" => "lim",
        "sup" => "sup",
        "inf" => "inf",
        "det" => "det",
        "dim" => "dim",
        "Pr" => "Pr",
        // Text symbols and letters.
        "textendash" => "–",
        "textemdash" => "—",
        "textquoteleft" => "‘",
        "textquoteright" => "’",
        "textquotedblleft" => "“",
        "textquotedblright" => "”",
        "S" => "§",
        "copyright" | "textcopyright" => "©",
        "textregistered" => "®",
        "texttrademark" => "™",
        "euro" => "€",
        "pounds" => "£",
        "LaTeX" => "LaTeX",
        "TeX" => "TeX",
        "ss" => "ß",
        "o" => "ø",
        "O" => "Ø",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "aa" => "å",
        "AA" => "Å",
        "l" => "ł",
        "L" => "Ł",
        "i" => "ı",
        "j" => "ȷ",
        _ => return None,
    })
}
