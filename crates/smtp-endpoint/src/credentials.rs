/// Longest username accepted, in characters.
pub const MAX_USERNAME_LEN: usize = 256;
/// Longest password accepted, in characters.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Why a free-text value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextDefect {
    /// CR, LF, NUL or another control character: it could smuggle SMTP commands or mail headers.
    ControlCharacter,
    TooLong {
        max: usize,
    },
}

/// The checks every field shares: no control characters, and a length limit in characters.
pub(crate) fn check_text(value: &str, max: usize) -> Result<(), TextDefect> {
    if value.chars().any(char::is_control) {
        return Err(TextDefect::ControlCharacter);
    }
    if value.chars().nth(max).is_some() {
        return Err(TextDefect::TooLong { max });
    }
    Ok(())
}
