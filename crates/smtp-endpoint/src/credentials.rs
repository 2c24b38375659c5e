/// Longest username accepted, in characters.
pub const MAX_USERNAME_LEN: usize = 256;
/// Longest password accepted, in characters.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Why a free-text value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextDefect {
    /// CR, LF, NUL, another control character or a Unicode line separator: it could smuggle SMTP commands
    /// or mail headers.
    ControlCharacter,
    TooLong {
        max: usize,
    },
}

/// Characters that take no room and come along with a pasted value: zero-width space, zero-width non-joiner and
/// joiner, word joiner, byte order mark. [`str::trim`] keeps them, as they are not white space.
const ZERO_WIDTH: [char; 5] = ['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'];

/// White space and zero-width characters around a value are not part of it. The common case — ASCII spaces,
/// tabs, line breaks — is taken off byte by byte first, which is several times faster on a large paste.
pub fn trim(value: &str) -> &str {
    value.trim_ascii().trim_matches(|c: char| c.is_whitespace() || ZERO_WIDTH.contains(&c))
}

/// Quotation marks (straight, typographic, German, French) and angle brackets, which a value pasted from a config
/// file, a mail or a document may come wrapped in.
pub(crate) const QUOTES: [char; 11] = ['"', '\'', '<', '>', '“', '”', '„', '‘', '’', '«', '»'];

/// Whether a character cannot be seen where it stands: a control character, white space other than the space,
/// or an invisible format character (zero-width characters, joiners, direction marks, the soft hyphen, the byte
/// order mark).
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// The checks every field shares: a length limit in characters, and no control characters. The length comes
/// first, so the work on any value is bounded by its limit, however much was pasted.
pub(crate) fn check_text(value: &str, max: usize) -> Result<(), TextDefect> {
    // A value of at most `max` bytes has at most `max` characters; only longer ones are counted.
    if value.len() > max && value.chars().nth(max).is_some() {
        return Err(TextDefect::TooLong { max });
    }
    if has_forbidden(value) {
        return Err(TextDefect::ControlCharacter);
    }
    Ok(())
}

/// Whether the value holds a control character (`Cc`: C0, DEL, C1 — CR, LF, NUL, …) or a Unicode line or
/// paragraph separator, which some clients treat as line breaks too. Read from the UTF-8 bytes in one pass:
/// C1 is `C2 80`–`C2 9F`, the separators are `E2 80 A8` and `E2 80 A9`.
fn has_forbidden(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        0x00..=0x1f | 0x7f => true,
        0xc2 => bytes.get(i + 1).is_some_and(|&next| next < 0xa0),
        0xe2 => bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)),
        _ => false,
    })
}
