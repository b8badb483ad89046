//! Waiting for asynchronous resources. A create answered 202 (still being processed), or a
//! delete that soft-deletes, leaves the resource in a passing state; a request sent at once
//! meets that state, not the one the operation is for (a compute API restores only a server that is
//! SOFT_DELETED, which it becomes some time after a delete of an ACTIVE one). Once per chain
//! shape, [`probe`] learns what the resource settles to: it runs the create (and each request
//! after it), reads the item every 100 ms until two reads agree, and keeps the state-like fields
//! (`status`, `vm_state`, ...) that changed, with their last values. The chains then wait for
//! those values with `until` ([`Settled`]); a resource that does not settle within the budget,
//! or has no such field, gets no wait.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

use super::case::{Case, Kind, Request};
use super::chain::Chains;
use super::engine::Fuzzer;
use crate::openapi::ApiSpec;
use crate::run::ScenarioResult;

/// Reads of the item per probe, at most, and the pause between them.
const READS: usize = 50;
const EVERY: Duration = Duration::from_millis(100);

/// Which chain a probe is for: the lifecycle, and the requests run after its create, in order
/// (none: the create alone).
pub type ProbeKey = (usize, Vec<super::chain::Between>);

/// What each chain shape settles to: the body subset to wait for after the create, and after
/// each request that follows it (an empty object: no wait).
#[derive(Debug, Default)]
pub struct Settled {
    pub after: BTreeMap<ProbeKey, Value>,
}

/// Learns what `key`'s chain settles to after the create and after each request of it (every
/// prefix of the chain, by its key), and cleans up what the probe made.
pub async fn probe(
    fuzzer: &Fuzzer,
    spec: &ApiSpec,
    chains: &Chains,
    key: &ProbeKey,
) -> Vec<(ProbeKey, Value)> {
    let (lifecycle, between) = key;
    let prefix = |n: usize| (*lifecycle, between[..n].to_vec());
    // What is not learned is no wait, and is not probed again.
    let nothing: Vec<(ProbeKey, Value)> = (0..=between.len())
        .map(|n| (prefix(n), Value::Object(Map::new())))
        .collect();
    let Some(plan) = chains.probe_plan(spec, key) else {
        return nothing;
    };
    let create = run(fuzzer, spec, plan.create, &plan.create_request).await;
    let Some(id) = chains.created_id(plan.create, &create) else {
        return nothing;
    };
    let with_id = |r: &Request| {
        let mut r = r.clone();
        for (name, value) in &mut r.path {
            if *name == plan.param {
                *value = id.clone();
            }
        }
        r
    };
    let read = with_id(&plan.read_request);
    let mut learned = nothing;
    learned[0].1 = settle(fuzzer, spec, plan.read, &read).await;
    for (n, (op, request)) in plan.before.iter().enumerate() {
        run(fuzzer, spec, *op, &with_id(request)).await;
        learned[n + 1].1 = settle(fuzzer, spec, plan.read, &read).await;
    }
    if let Some((delete, request)) = &plan.delete {
        run(fuzzer, spec, *delete, &with_id(request)).await;
    }
    learned
}

async fn run(fuzzer: &Fuzzer, spec: &ApiSpec, op: usize, request: &Request) -> ScenarioResult {
    let case = Case {
        number: 0,
        kind: Kind::Valid,
        request: request.clone(),
        chain: None,
    };
    let o = &spec.operations[op];
    let emitted = case.emit(&spec.name, o, fuzzer.seed());
    fuzzer.run_emitted(&spec.name, &o.id, 0, emitted).await.0
}

/// Reads the item until two reads agree (or the budget ends) and returns the state-like fields
/// that changed from the first read to the last, with their last values.
async fn settle(fuzzer: &Fuzzer, spec: &ApiSpec, read: usize, request: &Request) -> Value {
    let mut first: Option<Value> = None;
    let mut last: Option<Value> = None;
    for _ in 0..READS {
        let r = run(fuzzer, spec, read, request).await;
        let body = r
            .steps
            .last()
            .and_then(|s| s.response.as_ref())
            .filter(|resp| resp.status < 300)
            .and_then(|resp| serde_json::from_str::<Value>(&resp.body).ok());
        let Some(body) = body else { break };
        // Settled when the state-like fields read the same twice: the rest of a body (a
        // request id, a timestamp) may change with every read.
        let now = states(&body);
        if last.as_ref().is_some_and(|l| states(l) == now) {
            return changed(first.as_ref().unwrap_or(&body), &body);
        }
        first.get_or_insert_with(|| body.clone());
        last = Some(body);
        tokio::time::sleep(EVERY).await;
    }
    Value::Object(Map::new())
}

/// The fields of `to` named like a state (`status`, `state`, `vm_state`) whose string value is
/// not the one in `from`, nested as in `to`.
fn changed(from: &Value, to: &Value) -> Value {
    let mut out = Map::new();
    if let Value::Object(fields) = to {
        for (k, v) in fields {
            let before = from.get(k).unwrap_or(&Value::Null);
            match v {
                Value::String(_) if state_like(k) && before != v => {
                    out.insert(k.clone(), v.clone());
                }
                Value::Object(_) => {
                    let inner = changed(before, v);
                    if inner.as_object().is_some_and(|m| !m.is_empty()) {
                        out.insert(k.clone(), inner);
                    }
                }
                _ => {}
            }
        }
    }
    Value::Object(out)
}

/// The state-like string fields of a body, by pointer.
fn states(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
    if let Value::Object(fields) = v {
        for (k, child) in fields {
            let here = crate::check::push_pointer(&at, k);
            match child {
                Value::String(_) if state_like(k) => out.push((here, child.clone())),
                Value::Object(_) => walk(child, here, out),
                _ => {}
            }
        }
    }
}

fn state_like(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("status") || k.ends_with("state")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn what_changed_is_the_state_like_fields_with_their_last_values() {
        let from = json!({"server": {"status": "BUILD", "updated": "t1", "OS-EXT-STS:vm_state": "building", "progress": 0}});
        let to = json!({"server": {"status": "ACTIVE", "updated": "t2", "OS-EXT-STS:vm_state": "active", "progress": 100}});
        assert_eq!(
            super::changed(&from, &to),
            json!({"server": {"status": "ACTIVE", "OS-EXT-STS:vm_state": "active"}})
        );
        assert_eq!(super::changed(&to, &to), json!({}));
    }
}
