use serde::{Deserialize, Deserializer, Serialize};

/// The language of messages. Anything that is not German falls back to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    De,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::De];

    /// Reads a language tag such as `de`, `de-CH` or `en_US`; unknown tags give English.
    pub fn from_tag(tag: &str) -> Locale {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("de") { Locale::De } else { Locale::En }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
        }
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tag = Option::<String>::deserialize(deserializer)?;
        Ok(tag.as_deref().map(Locale::from_tag).unwrap_or_default())
    }
}
