//! Judging an answer (SPEC §5): what counts as success, and the error that
//! says why not.

use super::json;
use crate::error::{Error, Result};
use crate::output;
use serde_json::{Map, Value};

/// An answer: status and raw body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// `Retry-After`, for 429/503 answers.
    pub retry_after: Option<String>,
    /// `X-Jetpack-Request-Id` (Licensing API answers): support asks for it.
    pub request_id: Option<String>,
}

/// The token answer: `access_token`, or the error that explains its absence.
pub fn token_from(answer: &Answer) -> Result<String> {
    let what = "POST /oauth2/token";
    let json = judge(what, answer, true)?;
    match json.get("access_token").and_then(Value::as_str) {
        // Visible ASCII only: anything else breaks the Bearer header.
        Some(t) if !t.is_empty() && !t.bytes().all(|b| b.is_ascii_graphic()) => {
            Err(Error::UnusableAccessToken {
                what: what.to_string(),
            })
        }
        Some(t) if !t.is_empty() => Ok(t.to_string()),
        _ => Err(Error::MissingAccessToken {
            what: what.to_string(),
        }),
    }
}

/// Empty → unknown_error; an `error` member that is there and not
/// null/false/empty (whatever its type), or `success:false` → the API's
/// error; non-2xx with WP REST's `{"code","message","data"}` (the `wpcom/v2`
/// endpoints: licensing) → the API's error; other non-2xx → server_error; 2xx not JSON, or not an object where the
/// endpoint answers with one (`object`) → invalid_response. JSON too deep
/// for serde_json to build is `Value::Null` where any JSON will do
/// (`api`: the body is printed as it came).
pub fn judge(what: &str, answer: &Answer, object: bool) -> Result<Value> {
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
        Err(e) if ok && std::str::from_utf8(&answer.body).is_ok_and(json::is_json) => {
            // JSON, but more than serde_json builds (nested past 128
            // levels, ...): `api` prints it as received (its members are
            // not judged; WordPress sends its errors with a 4xx/5xx
            // status); an endpoint whose object we must read fails.
            if !object {
                return Ok(Value::Null);
            }
            return Err(Error::UnreadableJson {
                what: what.to_string(),
                status,
                cause: e.to_string(),
            });
        }
        Err(_) if ok => {
            return Err(Error::NotJson {
                what: what.to_string(),
                status,
                preview: preview(&text),
                json: false,
            })
        }
        Err(_) => return Err(Error::HttpStatus { status }),
    };
    if let Some(e) = json
        .as_object()
        .and_then(|obj| says_failed(what, status, obj))
    {
        return Err(e);
    }
    if !ok {
        // WP REST's error shape; a 2xx `code` is an answer (a site
        // connection's `{"code":"success"}`).
        let rest = json
            .as_object()
            .and_then(|obj| rest_error(what, status, obj));
        return Err(rest.unwrap_or(Error::HttpStatus { status }));
    }
    if object && !json.is_object() {
        return Err(Error::NotJson {
            what: what.to_string(),
            status,
            preview: preview(&text),
            json: true,
        });
    }
    Ok(json)
}

/// A non-empty string member.
fn str_of(o: &Map<String, Value>, k: &str) -> Option<String> {
    o.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The partner API's ways of saying a request failed (whatever the HTTP
/// status): an `error`, an `error_code`, or `success` false.
fn says_failed(what: &str, status: u16, obj: &Map<String, Value>) -> Option<Error> {
    let error = obj.get("error").filter(|e| reports_error(e));
    let failed = error.is_some()
        || str_of(obj, "error_code").is_some()
        || obj.get("success").is_some_and(says_no);
    if !failed {
        return None;
    }
    // `{"error":{"code":…,"message":…}}` names its code inside.
    let inner = error.and_then(Value::as_object);
    let code = str_of(obj, "error")
        .or_else(|| inner.and_then(|i| str_of(i, "code").or_else(|| str_of(i, "error"))))
        .or_else(|| str_of(obj, "error_code"))
        .unwrap_or_else(|| "unknown_error".to_string());
    let message = str_of(obj, "message")
        .or_else(|| inner.and_then(|i| str_of(i, "message")))
        .or_else(|| str_of(obj, "error_message"))
        .or_else(|| str_of(obj, "error_description"))
        .unwrap_or_else(|| format!("{what} failed with HTTP {status} and no message"));
    Some(Error::Api {
        code,
        message,
        fields: obj.clone(),
    })
}

/// WP REST's `{"code","message"}` on a failed status, if that is its shape.
fn rest_error(what: &str, status: u16, obj: &Map<String, Value>) -> Option<Error> {
    let code = str_of(obj, "code")?;
    let message = str_of(obj, "message")
        .unwrap_or_else(|| format!("{what} failed with HTTP {status} and no message"));
    Some(Error::Api {
        code,
        message,
        fields: obj.clone(),
    })
}

/// An `error` member says the request failed unless it is null, false, or
/// empty the way PHP (which writes these answers) sees it: `""`, `"0"`, 0,
/// `[]`, `{}`.
fn reports_error(e: &Value) -> bool {
    match e {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !(s.is_empty() || s == "0"),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Bool(true) => true,
    }
}

/// A `success` member that says no: false, 0, or `"false"`/`"0"` (a
/// success written as text); null or absent says nothing.
fn says_no(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.eq_ignore_ascii_case("false") || s == "0",
        _ => false,
    }
}

/// Start of a body for messages: one line, a few hundred characters.
/// Secrets are scrubbed first: folding whitespace or cutting the text could
/// leave a secret in a shape (or a part) redaction no longer recognises.
fn preview(text: &str) -> String {
    let text = output::redact(text);
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
            request_id: None,
        }
    }

    fn judge_obj(a: &Answer) -> Result<Value> {
        judge("x", a, true)
    }

    fn code(r: Result<Value>) -> Option<String> {
        r.err().map(|e| e.error_code().to_string())
    }

    #[test]
    fn judging_answers() {
        assert_eq!(
            code(judge_obj(&ans(200, ""))).as_deref(),
            Some("unknown_error")
        );
        assert_eq!(
            code(judge_obj(&ans(200, "\n"))).as_deref(),
            Some("unknown_error")
        );
        assert_eq!(
            code(judge_obj(&ans(200, "<html>"))).as_deref(),
            Some("invalid_response")
        );
        let e = judge_obj(&ans(502, "<html>bad gateway</html>")).err();
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("Request failed with code 502")
        );
        let e = judge_obj(&ans(
            400,
            r#"{"error":"invalid_plan","message":"x is not a valid plan"}"#,
        ))
        .err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("invalid_plan"));
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("x is not a valid plan")
        );
        let e = judge_obj(&ans(
            200,
            r#"{"success":false,"error_code":"site_inaccessible","error_message":"no"}"#,
        ));
        assert_eq!(code(e).as_deref(), Some("site_inaccessible"));
        assert_eq!(
            code(judge_obj(&ans(500, r#"{"a":1}"#))).as_deref(),
            Some("server_error")
        );
    }

    #[test]
    fn an_error_member_empty_as_php_sees_it_is_no_error() {
        assert!(judge_obj(&ans(200, r#"{"success":true}"#)).is_ok());
        assert!(judge_obj(&ans(200, r#"{"success":true,"error":null}"#)).is_ok());
        // Empty as PHP sees it is no error; a success written as text or a
        // number is read as such.
        for body in [
            r#"{"error":0}"#,
            r#"{"error":"0"}"#,
            r#"{"error":{}}"#,
            r#"{"success":1}"#,
        ] {
            assert!(judge_obj(&ans(200, body)).is_ok(), "{body}");
        }
        for body in [
            r#"{"success":"false"}"#,
            r#"{"success":0}"#,
            r#"{"error":2}"#,
        ] {
            assert!(judge_obj(&ans(200, body)).is_err(), "{body}");
        }
        assert!(judge_obj(&ans(200, r#"{"error":false,"error_code":""}"#)).is_ok());
        for body in [
            r#"{"error":123}"#,
            r#"{"error":true}"#,
            r#"{"error":[1]}"#,
            r#"{"error":{"code":"x"}}"#,
        ] {
            assert!(judge_obj(&ans(200, body)).is_err(), "{body}");
        }
        assert_eq!(
            code(judge_obj(&ans(
                200,
                r#"{"error":{"code":"too_many","message":"m"}}"#
            )))
            .as_deref(),
            Some("too_many")
        );
        for body in ["null", "\"text\"", "[1,2]", "3"] {
            assert_eq!(
                code(judge_obj(&ans(200, body))).as_deref(),
                Some("invalid_response"),
                "{body}"
            );
            assert!(judge("x", &ans(200, body), false).is_ok(), "{body}");
        }
    }

    #[test]
    fn wp_rest_errors_pass_their_code_through() {
        let body =
            r#"{"code":"license_not_found","message":"License not found.","data":{"status":404}}"#;
        let e = judge_obj(&ans(404, body)).err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("license_not_found"));
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("License not found.")
        );
        // A 2xx `code` is an answer; a code that is no text is no error code.
        assert!(judge_obj(&ans(200, r#"{"code":"success","blog_id":5}"#)).is_ok());
        assert_eq!(
            code(judge_obj(&ans(500, r#"{"code":500}"#))).as_deref(),
            Some("server_error")
        );
        assert_eq!(
            code(judge_obj(&ans(403, r#"{"code":"rest_forbidden"}"#))).as_deref(),
            Some("rest_forbidden")
        );
    }

    #[test]
    fn json_too_deep_to_build_is_printed_or_refused() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(judge("x", &ans(200, &deep), false).ok(), Some(Value::Null));
        assert_eq!(
            code(judge_obj(&ans(200, &format!("{{\"a\":{deep}}}")))).as_deref(),
            Some("invalid_response")
        );
        assert_eq!(
            code(judge("x", &ans(500, &deep), false)).as_deref(),
            Some("server_error")
        );
        assert_eq!(
            code(judge("x", &ans(200, &deep[1..]), false)).as_deref(),
            Some("invalid_response")
        );
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
