//! Nova's server operations, once the pipeline in `nova.rs` has authenticated the caller and
//! negotiated the version: create, show, list, delete (soft), and the `restore` and
//! `forceDelete` actions, on the state machine of `servers.rs`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::RECLAIM_INTERVAL;
use super::nova::{Call, set};
use super::servers::{PowerState, Server, View, VmState, links};
use crate::mock::Fault;

/// Runs `f` on the caller's server `id`, settled at the current time; `None` when the server
/// does not exist, is another project's, or has been reclaimed (which removes it).
fn with_server<T>(call: &Call<'_>, id: &str, f: impl FnOnce(&mut Server) -> T) -> Option<T> {
    let now = call.now();
    let mut servers = call.st.servers();
    let server = servers.get_mut(id)?;
    server.settle(now);
    if server.reclaimed(now, RECLAIM_INTERVAL) {
        servers.remove(id);
        return None;
    }
    if server.project_id != call.caller.project_id {
        return None;
    }
    Some(f(server))
}

fn invalid_input(call: &Call<'_>, message: &str) -> Response {
    call.fault(StatusCode::BAD_REQUEST, "badRequest", message)
}

/// What a create body must have: its `server`, that server's name and its flavor.
type Accepted<'b> = (&'b serde_json::Map<String, Value>, String, Value);

/// A 400 for a create body, boxed: it is the rare path of [`accepted`].
fn refuse(call: &Call<'_>, message: &str) -> Box<Response> {
    Box::new(invalid_input(call, message))
}

/// The create request's `server`, its name and its flavor, or the 400 Nova answers for the
/// first thing wrong with the body, in Nova's words.
fn accepted<'b>(
    call: &Call<'_>,
    body: &'b serde_json::Map<String, Value>,
) -> Result<Accepted<'b>, Box<Response>> {
    if let Some(extra) = body.keys().find(|k| {
        !matches!(
            k.as_str(),
            "server" | "os:scheduler_hints" | "OS-SCH-HNT:scheduler_hints"
        )
    }) {
        return Err(refuse(
            call,
            &format!("Additional properties are not allowed ('{extra}' was unexpected)"),
        ));
    }
    if let Some(hint) = ["os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"]
        .into_iter()
        .find(|k| body.get(*k).is_some_and(|h| !h.is_object()))
    {
        let shown = body.get(hint).map(Value::to_string).unwrap_or_default();
        return Err(refuse(
            call,
            &format!(
                "Invalid input for field/attribute {hint}. Value: {shown}. {shown} is not of type 'object'"
            ),
        ));
    }
    let Some(server) = body.get("server").and_then(Value::as_object) else {
        return Err(refuse(call, "'server' is a required property"));
    };
    if let Some(message) = invalid_server_field(server) {
        return Err(refuse(call, &message));
    }
    let name = match server.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 255 => n.clone(),
        None => return Err(refuse(call, "'name' is a required property")),
        Some(other) => {
            return Err(refuse(
                call,
                &format!(
                    "Invalid input for field/attribute name. Value: {other}. {other} is not a valid name"
                ),
            ));
        }
    };
    let Some(flavor_ref) = server
        .get("flavorRef")
        .filter(|f| f.as_str().is_some_and(|s| !s.is_empty()) || f.is_u64())
    else {
        return Err(refuse(call, "'flavorRef' is a required property"));
    };
    Ok((server, name, flavor_ref.clone()))
}

pub(super) fn create(call: &Call<'_>, body: serde_json::Map<String, Value>) -> Response {
    let (server, name, flavor_ref) = match accepted(call, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let image_ref = server
        .get("imageRef")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let now = call.now();
    let id = uuid::Uuid::new_v4().to_string();
    let mut s = Server {
        id: id.clone(),
        project_id: call.caller.project_id.clone(),
        user_id: call.caller.user_id.clone(),
        name,
        image_ref,
        flavor_ref,
        metadata: server.get("metadata").cloned().unwrap_or(json!({})),
        created: now,
        updated: now,
        vm_state: VmState::Building,
        task: None,
        deleted_at: None,
    };
    s.start("spawning", VmState::Active, now, later(call, now));
    call.st.servers().insert(id.clone(), s);
    let admin_pass = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let body = json!({"server": {
        "id": id,
        "links": links(&call.root, &id),
        "adminPass": admin_pass,
        "security_groups": [{"name": "default"}],
        "OS-DCF:diskConfig": "MANUAL",
    }});
    let mut resp = (StatusCode::ACCEPTED, Json(body)).into_response();
    set(
        &mut resp,
        "location",
        &format!("{}/v2.1/servers/{id}", call.root),
    );
    resp
}

/// The `server` fields besides `name` and `flavorRef`, as Nova's own request schema has them
/// (Nova validates request bodies with JSON Schema, and answers the first error as
/// `Invalid input for field/attribute <field>. Value: <value>. <reason>`).
fn invalid_server_field(server: &serde_json::Map<String, Value>) -> Option<String> {
    static SCHEMA: std::sync::OnceLock<Option<jsonschema::Validator>> = std::sync::OnceLock::new();
    let validator = SCHEMA
        .get_or_init(|| {
            let uuid = json!({"type": "string", "format": "uuid"});
            let name = json!({"type": "string", "minLength": 1});
            let schema = json!({
                "type": "object",
                "properties": {
                    "imageRef": {"anyOf": [uuid, {"type": "string", "maxLength": 0}]},
                    "networks": {"anyOf": [
                        {"type": "string", "enum": ["auto", "none"]},
                        {"type": "array", "items": {
                            "type": "object",
                            "properties": {
                                "uuid": uuid, "port": uuid,
                                "fixed_ip": {"type": "string"}, "tag": {"type": "string"},
                            },
                            "additionalProperties": false,
                        }},
                    ]},
                    "adminPass": {"type": "string"},
                    "key_name": name,
                    "availability_zone": name,
                    "metadata": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "maxLength": 255},
                    },
                    "security_groups": {"type": "array", "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": name},
                    }},
                    "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
                    "description": {"type": ["string", "null"], "maxLength": 255},
                },
            });
            jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .ok()
        })
        .as_ref()?;
    let value = Value::Object(server.clone());
    let error = validator.iter_errors(&value).next()?;
    let field = error
        .instance_path()
        .as_str()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("server")
        .to_owned();
    let shown = value
        .pointer(error.instance_path().as_str())
        .map(Value::to_string)
        .unwrap_or_default();
    Some(format!(
        "Invalid input for field/attribute {field}. Value: {shown}. {error}"
    ))
}

/// When an asynchronous transition started `now` completes.
fn later(call: &Call<'_>, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
    let delay = jiff::SignedDuration::try_from(call.st.options.async_delay).unwrap_or_default();
    now.checked_add(delay).ok()
}

pub(super) fn show(call: &Call<'_>, id: &str) -> Response {
    // Copied out of the lock and rendered after it: rendering is most of a read's cost, and two
    // workers rendering behind one lock queued on each other under load.
    let Some(server) = with_server(call, id, |s| s.clone()) else {
        return call.not_found(id);
    };
    let mut view = server.view(&call.root);
    match call.fault {
        Some(Fault::MissingRequiredField) => view.status = None,
        Some(Fault::WrongType) => {
            if let PowerState::Number(n) = view.power_state {
                view.power_state = PowerState::Text(n.to_string());
            }
        }
        _ => {}
    }
    (StatusCode::OK, Json(Shown { server: view })).into_response()
}

/// The body of `GET /servers/{id}`.
#[derive(serde::Serialize)]
struct Shown<'a> {
    server: View<'a>,
}

/// `GET /servers` (id, name, links) and `/servers/detail` (full views): the caller's servers,
/// without the soft-deleted ones, as Nova lists by default. Clients find servers by name here.
pub(super) fn list(call: &Call<'_>, detail: bool) -> Response {
    let now = call.now();
    let mut servers = call.st.servers();
    servers.retain(|_, s| {
        s.settle(now);
        !s.reclaimed(now, RECLAIM_INTERVAL)
    });
    let mut listed: Vec<&Server> = servers
        .values()
        .filter(|s| s.project_id == call.caller.project_id && s.vm_state != VmState::SoftDeleted)
        .collect();
    // Nova sorts by created_at, newest first.
    listed.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<Value> = listed
        .iter()
        .map(|s| match detail {
            true => json!(s.view(&call.root)),
            false => json!({"id": s.id, "name": s.name, "links": links(&call.root, &s.id)}),
        })
        .collect();
    (StatusCode::OK, Json(json!({"servers": items}))).into_response()
}

/// What a delete did.
enum Deleted {
    Soft,
    Hard,
}

pub(super) fn delete(call: &Call<'_>, id: &str) -> Response {
    let now = call.now();
    let done_at = later(call, now);
    let outcome = with_server(call, id, |s| match s.vm_state {
        // Nova soft-deletes only servers that have launched; a soft-deleted one is gone for
        // good on a second DELETE (inferred).
        VmState::Active if s.task.is_none() => {
            s.start("soft-deleting", VmState::SoftDeleted, now, done_at);
            Ok(Deleted::Soft)
        }
        VmState::Building => Ok(Deleted::Hard),
        VmState::SoftDeleted if s.task.is_none() => Ok(Deleted::Hard),
        _ => Err(s.invalid_state("delete")),
    });
    match outcome {
        None => call.not_found(id),
        Some(Err(msg)) => call.fault(StatusCode::CONFLICT, "conflictingRequest", &msg),
        Some(Ok(Deleted::Hard)) => {
            call.st.servers().remove(id);
            StatusCode::NO_CONTENT.into_response()
        }
        Some(Ok(Deleted::Soft)) => StatusCode::NO_CONTENT.into_response(),
    }
}

pub(super) fn action(call: &Call<'_>, id: &str, body: serde_json::Map<String, Value>) -> Response {
    let Some(name) = body.keys().next().cloned() else {
        return invalid_input(call, "Malformed request body");
    };
    if name != "restore" && name != "forceDelete" {
        return invalid_input(call, &format!("There is no such action: {name}"));
    }
    if let Some(extra) = body.keys().find(|k| **k != name) {
        return invalid_input(
            call,
            &format!("Additional properties are not allowed ('{extra}' was unexpected)"),
        );
    }
    if name == "restore" {
        restore(call, id)
    } else {
        force_delete(call, id)
    }
}

fn restore(call: &Call<'_>, id: &str) -> Response {
    let now = call.now();
    let done_at = match call.fault {
        Some(Fault::NeverCompletes) => None,
        _ => later(call, now),
    };
    let forbidden_ok = call.fault == Some(Fault::ForbiddenTransition);
    let outcome = with_server(call, id, |s| {
        if forbidden_ok && s.vm_state == VmState::Active && s.task.is_none() {
            return Ok(());
        }
        if s.vm_state != VmState::SoftDeleted || s.task.is_some() {
            return Err(s.invalid_state("restore"));
        }
        s.deleted_at = None;
        s.start("restoring", VmState::Active, now, done_at);
        Ok(())
    });
    match outcome {
        None => call.not_found(id),
        Some(Err(msg)) => call.fault(StatusCode::CONFLICT, "conflictingRequest", &msg),
        Some(Ok(())) => match call.fault {
            Some(Fault::BodyOnEmptyResponse) => {
                (StatusCode::ACCEPTED, Json(json!({"restore": "accepted"}))).into_response()
            }
            Some(Fault::WrongSuccessStatus) => StatusCode::OK.into_response(),
            _ => StatusCode::ACCEPTED.into_response(),
        },
    }
}

fn force_delete(call: &Call<'_>, id: &str) -> Response {
    let outcome = with_server(call, id, |s| match &s.task {
        Some(_) => Err(s.invalid_state("forceDelete")),
        None => Ok(()),
    });
    match outcome {
        None => call.not_found(id),
        Some(Err(msg)) => call.fault(StatusCode::CONFLICT, "conflictingRequest", &msg),
        Some(Ok(())) => {
            call.st.servers().remove(id);
            StatusCode::ACCEPTED.into_response()
        }
    }
}
