//! The one rule for names people tell apart (models, providers, assistants,
//! end users, environments, metadata keys, key, organization, project and
//! person names): no character that shows nothing or changes how the rest
//! reads. With them, `gpt-4o\u{200B}` passes for `gpt-4o`, and a right-to-left
//! override makes `prod\u{202E}tset` read as `prodtest`.

/// A control character, or one that is invisible or reorders text: Unicode's
/// format characters (zero widths, joiners, bidi controls, the BOM, tags),
/// the soft hyphen, and the fillers that render as blanks.
pub fn hides_text(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}'
            | '\u{2028}' | '\u{2029}' | '\u{1D173}'..='\u{1D17A}' | '\u{13430}'..='\u{1343F}')
}

/// Whether `name` holds a character [`hides_text`] refuses.
pub fn has_hidden(name: &str) -> bool {
    name.chars().any(hides_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_reordering_characters_are_caught() {
        for bad in [
            "a\u{200B}",
            "prod\u{202E}tset",
            "\u{FEFF}x",
            "a\u{2066}b",
            "x\u{E0041}",
            "a\u{00AD}b",
            "\u{3164}",
            "a\nb",
            "a\u{0}b",
            "a\u{2028}b",
            "a\u{1D173}b",
            "a\u{13430}b",
        ] {
            assert!(has_hidden(bad), "{bad:?}");
        }
        for good in ["gpt-4o", "claude 3.5 Sonnet", "Zoë", "東京", "José Ñúñez", "emoji 🚀", "a-b_c.d:e/f"] {
            assert!(!has_hidden(good), "{good:?}");
        }
    }
}
