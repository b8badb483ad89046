//! [`Ctx`]: what a [`super::Machine`]'s expressions see: the run's inputs and outputs, and the
//! current exchange.

use serde_json::Value;

use super::{Exchanged, Machine, Request, text};
use crate::arazzo::expr::Context;

/// What expressions see: the run's values, and the current exchange.
pub(super) struct Ctx<'a> {
    pub(super) m: &'a Machine<'a>,
    pub(super) w: usize,
    pub(super) current: Option<&'a (Request, Exchanged)>,
}

impl Ctx<'_> {
    fn workflow_index(&self, id: &str) -> Option<usize> {
        self.m.program.workflows.iter().position(|w| w.id == id)
    }
}

fn header(list: &[(String, Value)], name: &str) -> Option<String> {
    list.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| text(v))
}

impl Context for Ctx<'_> {
    fn url(&self) -> Option<String> {
        self.current.map(|c| c.1.url.clone())
    }
    fn method(&self) -> Option<String> {
        self.current.map(|c| c.1.method.clone())
    }
    fn status(&self) -> Option<u16> {
        self.current.map(|c| c.1.status)
    }
    fn request_header(&self, name: &str) -> Option<String> {
        header(&self.current?.0.headers, name)
    }
    fn request_query(&self, name: &str) -> Option<String> {
        header(&self.current?.0.query, name)
    }
    fn request_path(&self, name: &str) -> Option<String> {
        header(&self.current?.0.path, name)
    }
    fn request_body(&self) -> Option<&Value> {
        self.current?.0.body.as_ref()
    }
    fn response_header(&self, name: &str) -> Option<String> {
        let h = &self.current?.1.headers;
        h.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
    fn response_body(&self) -> Option<&Value> {
        self.current?.1.body.as_ref()
    }
    fn response_text(&self) -> Option<&str> {
        self.current?.1.text.as_deref()
    }
    fn input(&self, name: &str) -> Option<Value> {
        self.m.inputs.get(&self.w)?.get(name).cloned()
    }
    fn output(&self, name: &str) -> Option<Value> {
        self.m.outputs.get(&self.w)?.get(name).cloned()
    }
    fn step_output(&self, step: &str, name: &str) -> Option<Value> {
        self.m
            .step_outputs
            .get(&(self.w, step.to_owned()))?
            .get(name)
            .cloned()
    }
    fn workflow_value(&self, workflow: &str, rest: &str) -> Option<Value> {
        let w = self.workflow_index(workflow)?;
        let (kind, name) = rest.split_once('.')?;
        match kind {
            "outputs" => self.m.outputs.get(&w)?.get(name).cloned(),
            "inputs" => self.m.inputs.get(&w)?.get(name).cloned(),
            _ => None,
        }
    }
    fn source_url(&self, name: &str) -> Option<String> {
        let s = &self.m.program.sources;
        s.iter().find(|(n, _)| n == name).map(|(_, u)| u.clone())
    }
}
