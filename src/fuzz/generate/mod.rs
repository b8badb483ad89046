//! PLACEHOLDER (replaced by the `gen` branch): the value generator's API, minimal.
use serde_json::Value;

use crate::spec::Schema;

pub struct Generator {
    n: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Body,
    Param,
}

#[derive(Debug, Clone)]
pub struct Negative {
    pub value: Value,
    pub rule: Rule,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub keyword: &'static str,
    pub pointer: String,
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    #[error("no value found")]
    NotFound,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator { n: seed }
    }

    pub fn valid(&mut self, schema: &Schema, _place: Place) -> Result<Value, GenError> {
        self.n += 1;
        let doc = crate::init::Doc::from_value(Value::Null);
        let v = crate::init::values::fill(&doc, &schema.raw).value;
        let ok = schema
            .validator()
            .map(|val| val.is_valid(&v))
            .unwrap_or(false);
        if ok { Ok(v) } else { Err(GenError::NotFound) }
    }

    pub fn boundaries(&mut self, _schema: &Schema, _place: Place) -> Vec<Value> {
        Vec::new()
    }

    pub fn negatives(&mut self, schema: &Schema, place: Place) -> Vec<Negative> {
        let v = match place {
            Place::Body => Value::Bool(true),
            Place::Param => Value::String("not-a-number".into()),
        };
        let rejected = schema
            .validator()
            .map(|val| !val.is_valid(&v))
            .unwrap_or(false);
        if !rejected {
            return Vec::new();
        }
        vec![Negative {
            value: v,
            rule: Rule {
                keyword: "type",
                pointer: String::new(),
                description: "the wrong type".into(),
            },
        }]
    }
}

pub fn smaller(value: &Value) -> Vec<Value> {
    match value {
        Value::Object(m) => m
            .keys()
            .map(|k| {
                let mut c = m.clone();
                c.remove(k);
                Value::Object(c)
            })
            .collect(),
        Value::String(s) if !s.is_empty() => vec![Value::String(s[..s.len() / 2].to_owned())],
        _ => Vec::new(),
    }
}
