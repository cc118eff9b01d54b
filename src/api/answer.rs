//! Judging an answer (SPEC §5): what counts as success, and the error that
//! says why not.

use crate::error::{Error, Result};
use serde_json::Value;

/// An answer: status and raw body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// `Retry-After`, for 429/503 answers.
    pub retry_after: Option<String>,
}

/// The token answer: `access_token`, or the error that explains its absence.
pub fn token_from(answer: &Answer) -> Result<String> {
    let what = "POST /oauth2/token";
    let json = judge(what, answer)?;
    match json.get("access_token").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => Ok(t.to_string()),
        _ => Err(Error::MissingAccessToken {
            what: what.to_string(),
        }),
    }
}

/// Empty → unknown_error; `error` field or `success:false` → the API's
/// error; non-2xx → server_error; 2xx not JSON → invalid_response.
pub fn judge(what: &str, answer: &Answer) -> Result<Value> {
    let status = answer.status;
    let ok = (200..300).contains(&status);
    let text = String::from_utf8_lossy(&answer.body);
    if text.trim().is_empty() {
        if ok {
            return Err(Error::EmptyAnswer);
        }
        return Err(Error::HttpStatus { status });
    }
    let json: Value = match serde_json::from_slice(&answer.body) {
        Ok(v) => v,
        Err(_) if ok => {
            return Err(Error::NotJson {
                what: what.to_string(),
                status,
                preview: preview(&text),
            })
        }
        Err(_) => return Err(Error::HttpStatus { status }),
    };
    if let Some(obj) = json.as_object() {
        let str_of = |k: &str| obj.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let code = str_of("error").or_else(|| str_of("error_code"));
        let failed = obj.get("success") == Some(&Value::Bool(false));
        if code.is_some() || failed {
            let code = code.unwrap_or("unknown_error").to_string();
            let message = str_of("message")
                .or_else(|| str_of("error_message"))
                .or_else(|| str_of("error_description"))
                .map(str::to_string)
                .unwrap_or_else(|| format!("{what} failed with HTTP {status} and no message"));
            return Err(Error::Api {
                code,
                message,
                fields: obj.clone(),
            });
        }
    }
    if !ok {
        return Err(Error::HttpStatus { status });
    }
    Ok(json)
}

/// Start of a body for messages: one line, a few hundred characters.
fn preview(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(200).collect();
    if flat.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ans(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    fn code(r: Result<Value>) -> Option<String> {
        r.err().map(|e| e.error_code().to_string())
    }

    #[test]
    fn judging_answers() {
        assert_eq!(
            code(judge("x", &ans(200, ""))).as_deref(),
            Some("unknown_error")
        );
        assert_eq!(
            code(judge("x", &ans(200, "\n"))).as_deref(),
            Some("unknown_error")
        );
        assert_eq!(
            code(judge("x", &ans(200, "<html>"))).as_deref(),
            Some("invalid_response")
        );
        let e = judge("x", &ans(502, "<html>bad gateway</html>")).err();
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("Request failed with code 502")
        );
        let e = judge(
            "x",
            &ans(
                400,
                r#"{"error":"invalid_plan","message":"x is not a valid plan"}"#,
            ),
        )
        .err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("invalid_plan"));
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("x is not a valid plan")
        );
        let e = judge(
            "x",
            &ans(
                200,
                r#"{"success":false,"error_code":"site_inaccessible","error_message":"no"}"#,
            ),
        );
        assert_eq!(code(e).as_deref(), Some("site_inaccessible"));
        assert_eq!(
            code(judge("x", &ans(500, r#"{"a":1}"#))).as_deref(),
            Some("server_error")
        );
        assert!(judge("x", &ans(200, r#"{"success":true}"#)).is_ok());
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            token_from(&ans(200, r#"{"access_token":"abc","token_type":"bearer"}"#)).ok(),
            Some("abc".to_string())
        );
        assert_eq!(
            token_from(&ans(200, r#"{"token_type":"bearer"}"#))
                .err()
                .map(|e| e.error_code().to_string()),
            Some("missing_access_token".into())
        );
        let e = token_from(&ans(
            400,
            r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
        ))
        .err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("invalid_client"));
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("Unknown client_id.")
        );
    }
}
