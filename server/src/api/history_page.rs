//! Which page of the history a request asks for: `?before=V&limit=N`, read strictly (a misspelt parameter is
//! said, not ignored).

use crate::error::ApiError;

/// The most changes one answer holds, and how many it holds when `limit` is not given.
pub const MAX_LIMIT: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPage {
    /// Only the changes that made a version below this one; the first page has none.
    pub before: Option<i64>,
    pub limit: u32,
}

impl HistoryPage {
    pub fn parse(query: Option<&str>) -> Result<HistoryPage, ApiError> {
        let mut page = HistoryPage { before: None, limit: MAX_LIMIT };
        let (mut before_given, mut limit_given) = (false, false);
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let given = match &*name {
                "before" => &mut before_given,
                "limit" => &mut limit_given,
                other => {
                    let shown: String = other.chars().take(40).collect();
                    let message = format!("The history takes the query parameters before and limit, not {shown:?}.");
                    return Err(refused(&shown, message));
                }
            };
            if std::mem::replace(given, true) {
                return Err(refused(&name, format!("{name} is given twice; give it once.")));
            }
            if name == "before" {
                page.before = Some(value.parse().ok().filter(|v| *v >= 1).ok_or_else(|| {
                    refused(
                        "before",
                        "before takes a version number, e.g. before=42 for the changes made before version 42.".into(),
                    )
                })?);
            } else {
                page.limit = value.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                    refused("limit", format!("limit takes a whole number from 1 to {MAX_LIMIT}, e.g. limit=20."))
                })?;
            }
        }
        Ok(page)
    }

    /// The query for the page after this one, which ends with version `oldest`.
    pub fn next(self, oldest: i64) -> String {
        format!("before={oldest}&limit={}", self.limit)
    }
}

fn refused(field: &str, message: String) -> ApiError {
    ApiError::BadQuery { field: field.to_owned(), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> Result<HistoryPage, (&'static str, String, String)> {
        HistoryPage::parse(Some(query)).map_err(|e| {
            let code = e.code();
            match e {
                ApiError::BadQuery { field, message } => (code, field, message),
                other => panic!("not a query error: {other:?}"),
            }
        })
    }

    #[test]
    fn reads_the_page_asked_for() {
        assert_eq!(HistoryPage::parse(None).ok(), Some(HistoryPage { before: None, limit: 100 }));
        assert_eq!(parsed(""), Ok(HistoryPage { before: None, limit: 100 }));
        assert_eq!(parsed("limit=20"), Ok(HistoryPage { before: None, limit: 20 }));
        assert_eq!(parsed("before=7&limit=1"), Ok(HistoryPage { before: Some(7), limit: 1 }));
        assert_eq!(parsed("limit=100&before=1"), Ok(HistoryPage { before: Some(1), limit: 100 }));
    }

    #[test]
    fn next_page_reads_back() {
        let page = HistoryPage { before: None, limit: 20 };
        assert_eq!(parsed(&page.next(41)), Ok(HistoryPage { before: Some(41), limit: 20 }));
    }

    #[test]
    fn refuses_what_it_cannot_use_naming_the_parameter() {
        for (query, field, says) in [
            ("limit=0", "limit", "from 1 to 100"),
            ("limit=101", "limit", "from 1 to 100"),
            ("limit=", "limit", "e.g. limit=20"),
            ("limit=ten", "limit", "whole number"),
            ("limit=-1", "limit", "whole number"),
            ("before=0", "before", "version number"),
            ("before=-5", "before", "version number"),
            ("before=x", "before", "e.g. before=42"),
            ("before=99999999999999999999", "before", "version number"),
            ("limit=5&limit=6", "limit", "given twice; give it once"),
            ("befor=3", "befor", "not \"befor\""),
            ("page=2", "page", "before and limit"),
        ] {
            let (code, got_field, message) = parsed(query).expect_err(query);
            assert_eq!((code, got_field.as_str()), ("request.invalid_query", field), "{query}");
            assert!(message.contains(says), "{query}: {message}");
        }
    }

    #[test]
    fn an_unknown_name_is_shown_short() {
        let long = "x".repeat(500);
        let (_, field, message) = parsed(&format!("{long}=1")).expect_err("unknown");
        assert!(message.len() < 140, "{message}");
        assert_eq!(field, "x".repeat(40));
    }
}
