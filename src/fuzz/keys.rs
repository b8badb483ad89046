//! Idempotency keys: a request sent again must not carry the key it was first sent with. An
//! API that honours one (Alibaba's `clientToken`, Stripe's `Idempotency-Key`) answers a
//! repeated key with the first answer, whatever happened since: a chain that replays the create
//! that worked, with its key, gets the first instance back, long deleted. [`is_idempotency_key`]
//! says which names are keys; [`refresh_step`] gives a replayed step a new key each time it runs
//! (`${uuid}` where a uuid is valid, else a value generated now), [`refresh_request`] a request
//! sent at once (the settle probes), and [`distinct`] keeps the cases of one operation from
//! sharing the key of the case they were derived from.

use serde_json::Value;

use super::case::{Case, Kind, Request};
use super::cases::body_schema;
use super::r#gen::{Generator, Place, errors};
use crate::init::emit::DraftStep;
use crate::openapi::{Operation, ParamIn, Schema};

/// The template a replayed key is written as: a new uuid each time the step runs.
const FRESH: &str = "${uuid}";

/// Whether a parameter or top-level body field named `name` is an idempotency key. The name is
/// compared lower-case with everything but letters and digits dropped (`Idempotency-Key`,
/// `idempotency_key` and `idempotencyKey` are one name), and a leading `x` (an `X-` header) is
/// ignored: a key is a name that contains `idempotency` or `idempotent`, or is `clienttoken`,
/// `clientrequesttoken` or `requesttoken` (Alibaba's and AWS's). Nothing else: `token` alone is
/// a credential, `request_id` an identifier of a resource.
pub fn is_idempotency_key(name: &str) -> bool {
    let norm: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let bare = norm.strip_prefix('x').unwrap_or(&norm);
    norm.contains("idempoten")
        || matches!(bare, "clienttoken" | "clientrequesttoken" | "requesttoken")
}

/// A uuid, to try against a schema.
fn a_uuid() -> Value {
    Value::String(uuid::Uuid::new_v4().to_string())
}

/// A new value for a key with `schema` at `place`: `Ok` a uuid when the schema takes one (or
/// gives no rule), else `Err` a value generated now from a random seed (not the run's: a key
/// must differ from one run to the next, or a second run against the same server would get the
/// first run's answers). `None` when the schema takes neither.
fn fresh(schema: Option<&Schema>, place: Place) -> Option<Result<Value, Value>> {
    let Some(schema) = schema else {
        return Some(Ok(a_uuid()));
    };
    let validator = schema.validator().ok()?;
    let uuid = a_uuid();
    if errors(validator, schema, place, &uuid).is_empty() {
        return Some(Ok(uuid));
    }
    let seed = uuid::Uuid::new_v4().as_u64_pair().0;
    Generator::new(seed).valid(schema, place).ok().map(Err)
}

/// A new value for the top-level body field `field`: as [`fresh`], tried as the whole body.
fn fresh_field(op: &Operation, body: &Value, field: &str) -> Option<Result<Value, Value>> {
    let Some(schema) = body_schema(op) else {
        return Some(Ok(a_uuid()));
    };
    let validator = schema.validator().ok()?;
    let with = |v: &Value| {
        let mut b = body.clone();
        b[field] = v.clone();
        b
    };
    let uuid = a_uuid();
    if errors(validator, schema, Place::Body, &with(&uuid)).is_empty() {
        return Some(Ok(uuid));
    }
    // A valid body of its own, for its value of the field.
    let seed = uuid::Uuid::new_v4().as_u64_pair().0;
    let mut generator = Generator::new(seed);
    (0..8)
        .filter_map(|_| generator.valid(schema, Place::Body).ok())
        .filter_map(|b| b.get(field).cloned())
        .find(|v| errors(validator, schema, Place::Body, &with(v)).is_empty())
        .map(Err)
}

/// The schema of `op`'s parameter `name` in `location`.
fn param_schema<'o>(op: &'o Operation, location: ParamIn, name: &str) -> Option<&'o Schema> {
    op.params_in(location)
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .and_then(|p| p.schema.as_deref())
}

/// Gives every idempotency key of a step of `op` a new value each time the step runs:
/// `${uuid}` where a uuid is valid, else a value generated now. The step's lines are as
/// `case::step_of` writes them (values escaped; the template is written raw).
pub(crate) fn refresh_step(op: &Operation, step: &mut DraftStep) {
    for (location, lines) in [
        (ParamIn::Query, &mut step.query),
        (ParamIn::Header, &mut step.headers),
    ] {
        for line in lines.iter_mut().filter(|l| is_idempotency_key(&l.key)) {
            line.value = match fresh(param_schema(op, location, &line.key), Place::Param) {
                Some(Ok(_)) => Value::String(FRESH.into()),
                Some(Err(v)) if location == ParamIn::Header => {
                    Value::String(super::case::as_text(&v).replace("${", "$${"))
                }
                Some(Err(v)) => crate::init::values::escape(v),
                None => continue,
            };
        }
    }
    let Some(line) = step.body.as_mut() else {
        return;
    };
    let Value::Object(fields) = &line.value else {
        return;
    };
    let keys: Vec<String> = fields
        .keys()
        .filter(|k| is_idempotency_key(k))
        .cloned()
        .collect();
    for key in keys {
        let value = match fresh_field(op, &line.value, &key) {
            Some(Ok(_)) => Value::String(FRESH.into()),
            Some(Err(v)) => crate::init::values::escape(v),
            None => continue,
        };
        line.value[key.as_str()] = value;
    }
}

/// `request` of `op` with a new value, sent as is, for each idempotency key it carries.
pub(crate) fn refresh_request(op: &Operation, request: &mut Request) {
    for (location, list) in [
        (ParamIn::Query, &mut request.query),
        (ParamIn::Header, &mut request.headers),
    ] {
        for (name, value) in list.iter_mut().filter(|(n, _)| is_idempotency_key(n)) {
            if let Some(Ok(v) | Err(v)) = fresh(param_schema(op, location, name), Place::Param) {
                *value = v;
            }
        }
    }
    let Some(body) = request.body.as_mut() else {
        return;
    };
    let keys: Vec<String> = body
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| is_idempotency_key(k))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for key in keys {
        if let Some(Ok(v) | Err(v)) = fresh_field(op, body, &key) {
            body[key.as_str()] = v;
        }
    }
}

/// The idempotency keys a request carries, as (where, name, value).
fn keys_of(r: &Request) -> Vec<(u8, String, Value)> {
    let params = [(0u8, &r.query), (1, &r.headers)]
        .into_iter()
        .flat_map(|(at, list)| list.iter().map(move |(n, v)| (at, n, v)))
        .filter(|(_, n, _)| is_idempotency_key(n))
        .map(|(at, n, v)| (at, n.clone(), v.clone()));
    let body = r
        .body
        .as_ref()
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| is_idempotency_key(k))
        .map(|(k, v)| (2u8, k.clone(), v.clone()));
    params.chain(body).collect()
}

/// Keeps the valid and boundary cases of `op` from sending a key an earlier case sent: the
/// boundaries are drawn from the first valid request, and would carry its key with another
/// body (a refusal, `IdempotentParameterMismatch`, instead of the boundary tested) or with the
/// same one (the first answer replayed). A repeated key gets a value drawn from `seed`, so the
/// same seed still sends the same requests.
pub(crate) fn distinct(op: &Operation, cases: &mut [Case], seed: u64) {
    let mut seen: Vec<(u8, String, Value)> = Vec::new();
    let mut generator = Generator::new(seed ^ 0x6b65_7973);
    for case in cases.iter_mut() {
        let keys = keys_of(&case.request);
        if matches!(case.kind, Kind::Negative(_)) {
            seen.extend(keys);
            continue;
        }
        for key in keys.iter().filter(|k| seen.contains(k)) {
            redraw(op, &mut case.request, key, &mut generator);
        }
        seen.extend(keys_of(&case.request));
    }
}

/// Draws a new valid value for `key` of `request` (left as it is when none can be drawn).
fn redraw(op: &Operation, request: &mut Request, key: &(u8, String, Value), g: &mut Generator) {
    let (at, name, _) = key;
    let (location, list) = match at {
        0 => (ParamIn::Query, &mut request.query),
        1 => (ParamIn::Header, &mut request.headers),
        _ => {
            let drawn = body_schema(op).and_then(|s| g.valid(s, Place::Body).ok());
            if let (Some(v), Some(body)) = (
                drawn.and_then(|b| b.get(name).cloned()),
                request.body.as_mut(),
            ) {
                body[name.as_str()] = v;
            }
            return;
        }
    };
    let Some(schema) = param_schema(op, location, name) else {
        return;
    };
    for _ in 0..8 {
        let Ok(v) = g.valid(schema, Place::Param) else {
            return;
        };
        if v != key.2 {
            if let Some((_, slot)) = list.iter_mut().find(|(n, _)| n == name) {
                *slot = v;
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_idempotency_key;

    #[test]
    fn idempotency_keys_are_named_as_the_apis_name_them_and_nothing_else_is() {
        for key in [
            "clientToken",
            "client_token",
            "ClientToken",
            "ClientRequestToken",
            "requestToken",
            "idempotencyKey",
            "Idempotency-Key",
            "X-Idempotency-Key",
            "idempotency_token",
            "x-client-token",
        ] {
            assert!(is_idempotency_key(key), "{key}");
        }
        for other in [
            "token",
            "X-Auth-Token",
            "request_id",
            "requestId",
            "x-acs-security-token",
            "x-acs-signature-nonce",
            "client_id",
            "InstanceId",
        ] {
            assert!(!is_idempotency_key(other), "{other}");
        }
    }
}
