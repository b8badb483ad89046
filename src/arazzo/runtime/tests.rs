//! The control layer alone, against a scripted [`Exchange`]: gotos, end, retry limits, the step
//! budget, nested workflows.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::arazzo::program::{Action, Call, Do, Program, Step, Workflow};

/// Answers each request with the next verdict of its script (conforms or not); records what
/// was sent and judged.
#[derive(Default)]
struct Scripted {
    verdicts: Vec<bool>,
    sent: Vec<String>,
    judged: Vec<(usize, bool)>,
    failed: Vec<String>,
    waits: usize,
}

impl Exchange for Scripted {
    fn send(&mut self, request: Request) -> BoxFuture<'_, Option<Exchanged>> {
        self.sent.push(request.step);
        let conforms = if self.verdicts.is_empty() {
            true
        } else {
            self.verdicts.remove(0)
        };
        Box::pin(async move {
            Some(Exchanged {
                status: 200,
                conforms,
                ..Default::default()
            })
        })
    }
    fn judged(&mut self, failures: Vec<Failure>, handled: bool) {
        self.judged.push((failures.len(), handled));
    }
    fn wait(&mut self, _d: Duration) -> BoxFuture<'_, bool> {
        self.waits += 1;
        Box::pin(async { false })
    }
    fn failed(&mut self, step: &str, failure: Failure) {
        self.failed.push(format!("{step}: {}", failure.message));
    }
}

fn action(what: Do) -> Vec<Action> {
    vec![Action {
        name: "a".into(),
        what,
        criteria: Vec::new(),
    }]
}

fn step(id: &str, call: Call, on_success: Vec<Action>, on_failure: Vec<Action>) -> Step {
    Step {
        id: id.into(),
        pos: Pos::UNKNOWN,
        call_pos: Pos::UNKNOWN,
        call,
        params: Vec::new(),
        body: None,
        content_type: None,
        replacements: Vec::new(),
        criteria: Vec::new(),
        status_judged: false,
        on_success,
        on_failure,
        outputs: Vec::new(),
        extras: Default::default(),
    }
}

fn op() -> Call {
    Call::Operation { api: 0, op: 0 }
}

fn workflow(id: &str, steps: Vec<Step>) -> Workflow {
    Workflow {
        id: id.into(),
        pos: Pos::UNKNOWN,
        name: id.into(),
        inputs: None,
        inputs_pos: Pos::UNKNOWN,
        depends_on: Vec::new(),
        steps,
        success_actions: Vec::new(),
        failure_actions: Vec::new(),
        outputs: Vec::new(),
    }
}

fn program(workflows: Vec<Workflow>) -> Program {
    Program {
        path: PathBuf::from("w.arazzo.yaml"),
        apis: Vec::new(),
        sources: Vec::new(),
        workflows,
        entry: 0,
    }
}

fn run(p: &Program, verdicts: Vec<bool>) -> (bool, Scripted) {
    let mut ex = Scripted {
        verdicts,
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let ok = rt.block_on(Machine::new(p, Map::new()).run(&mut ex));
    (ok, ex)
}

#[test]
fn goto_skips_and_end_stops() {
    let p = program(vec![workflow(
        "w",
        vec![
            step("a", op(), action(Do::GotoStep(2)), Vec::new()),
            step("skipped", op(), Vec::new(), Vec::new()),
            step("c", op(), action(Do::End), Vec::new()),
            step("after-end", op(), Vec::new(), Vec::new()),
        ],
    )]);
    let (ok, ex) = run(&p, Vec::new());
    assert!(ok);
    assert_eq!(ex.sent, ["a", "c"]);
}

#[test]
fn retry_resends_until_it_passes_within_its_limit() {
    let retry = || {
        action(Do::Retry {
            after: Duration::ZERO,
            limit: 2,
        })
    };
    let p = program(vec![workflow(
        "w",
        vec![step("poll", op(), Vec::new(), retry())],
    )]);
    let (ok, ex) = run(&p, vec![false, false, true]);
    assert!(ok);
    assert_eq!(ex.sent.len(), 3);
    assert_eq!(ex.waits, 2);
    assert_eq!(
        ex.judged,
        [(0, true), (0, true), (0, false)],
        "the retried attempts are handled"
    );

    let (ok, ex) = run(&p, vec![false, false, false, true]);
    assert!(!ok, "the limit is 2 resends");
    assert_eq!(ex.sent.len(), 3);
    assert_eq!(
        ex.judged.last(),
        Some(&(0, false)),
        "the last attempt is not handled"
    );
}

#[test]
fn a_goto_loop_ends_at_the_step_budget() {
    let p = program(vec![workflow(
        "w",
        vec![step("again", op(), action(Do::GotoStep(0)), Vec::new())],
    )]);
    let (ok, ex) = run(&p, Vec::new());
    assert!(!ok);
    assert_eq!(ex.sent.len(), STEP_BUDGET);
    assert!(ex.failed[0].contains("goto loop"), "{:?}", ex.failed);
}

#[test]
fn a_failed_step_without_actions_ends_the_workflow() {
    let p = program(vec![workflow(
        "w",
        vec![
            step("a", op(), Vec::new(), Vec::new()),
            step("b", op(), Vec::new(), Vec::new()),
        ],
    )]);
    let (ok, ex) = run(&p, vec![false]);
    assert!(!ok);
    assert_eq!(ex.sent, ["a"]);
}

#[test]
fn nested_and_depended_on_workflows_run_first() {
    let mut main = workflow(
        "main",
        vec![step("inner", Call::Workflow(1), Vec::new(), Vec::new())],
    );
    main.depends_on = vec![2];
    let p = program(vec![
        main,
        workflow("nested", vec![step("n", op(), Vec::new(), Vec::new())]),
        workflow("first", vec![step("f", op(), Vec::new(), Vec::new())]),
    ]);
    let (ok, ex) = run(&p, Vec::new());
    assert!(ok);
    assert_eq!(ex.sent, ["f", "n"]);
}
