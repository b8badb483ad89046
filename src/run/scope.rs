//! [`StepScope`], the variables a step sees: captures, `--var`, scenario vars and the env file
//! (one map, in that precedence, see [`super::inputs`]), built-ins, and the environment
//! (`${env.NAME}`: the process environment, then the env file).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::scenario::Scope;

#[derive(Debug, Clone)]
pub struct StepScope {
    pub run_id: String,
    pub scenario_name: String,
    pub vars: HashMap<String, Value>,
    /// `--var` and `--env-file`, for `${env.NAME}` (the map above holds their plain names).
    pub inputs: Arc<super::Inputs>,
}

impl StepScope {
    /// Whether `name` has a value, without making one (`${uuid}` would mint a new one).
    pub fn has(&self, name: &str) -> bool {
        if self.vars.contains_key(name) {
            return true;
        }
        match name.strip_prefix("env.") {
            Some(var) => self.inputs.has_env(var),
            None => crate::scenario::BUILTINS.contains(&name),
        }
    }
}

impl Scope for StepScope {
    fn get(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        if let Some(var) = name.strip_prefix("env.") {
            return self.inputs.env(var).map(Value::String);
        }
        let now = || jiff::Timestamp::now();
        Some(match name {
            "uuid" => Value::String(uuid::Uuid::new_v4().to_string()),
            "run.id" => Value::String(self.run_id.clone()),
            "scenario.name" => Value::String(self.scenario_name.clone()),
            "now" => Value::String(now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
            "now.date" => Value::String(now().strftime("%Y-%m-%d").to_string()),
            "now.epoch" => Value::from(now().as_second()),
            _ => return None,
        })
    }
}
