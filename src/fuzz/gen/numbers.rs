//! Numbers a schema accepts: [`Bounds`] reads `minimum`/`maximum`, their exclusive forms and
//! `multipleOf`, and gives a random value inside, the first and last value inside (the
//! boundaries), and the nearest values outside (the negatives).

use rand::RngExt;
use rand_pcg::Pcg64;
use serde_json::{Map, Value};

/// Integers stay where f64 holds them exactly.
const LIMIT: f64 = 9_007_199_254_740_991.0;
/// How far a random value goes from its one bound, or from 0 with none.
const SPAN: f64 = 1000.0;

#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub min: Option<f64>,
    pub exclusive_min: Option<f64>,
    pub max: Option<f64>,
    pub exclusive_max: Option<f64>,
    pub multiple: Option<f64>,
    pub integer: bool,
}

impl Bounds {
    pub(super) fn of(m: &Map<String, Value>, integer: bool) -> Self {
        let get = |k: &str| m.get(k).and_then(Value::as_f64);
        Bounds {
            min: get("minimum"),
            exclusive_min: get("exclusiveMinimum"),
            max: get("maximum"),
            exclusive_max: get("exclusiveMaximum"),
            multiple: get("multipleOf").filter(|x| *x > 0.0),
            integer,
        }
    }

    /// The step between neighbouring accepted values: `multipleOf`, 1 for integers, else the
    /// next float.
    fn step(&self) -> Option<f64> {
        match (self.multiple, self.integer) {
            (Some(m), true) if m.fract() == 0.0 => Some(m),
            // The smallest whole multiple of a fractional step (1.5 -> 3); none found: 1 and
            // the validator decides.
            (Some(m), true) => Some(
                (1..=1000)
                    .map(|d| m * f64::from(d))
                    .find(|x| (x - x.round()).abs() < 1e-9)
                    .map_or(1.0, f64::round),
            ),
            (Some(m), false) => Some(m),
            (None, true) => Some(1.0),
            (None, false) => None,
        }
    }

    /// The smallest accepted value, when there is a lower bound.
    pub(super) fn first(&self) -> Option<f64> {
        let (bound, exclusive) = match (self.min, self.exclusive_min) {
            (Some(a), Some(b)) if b >= a => (b, true),
            (Some(a), _) => (a, false),
            (None, Some(b)) => (b, true),
            (None, None) => return None,
        };
        Some(match self.step() {
            Some(s) => {
                let mut k = (bound / s).ceil();
                if exclusive && k * s <= bound {
                    k += 1.0;
                }
                k * s
            }
            None if exclusive => bound.next_up(),
            None => bound,
        })
    }

    /// The largest accepted value, when there is an upper bound.
    pub(super) fn last(&self) -> Option<f64> {
        let (bound, exclusive) = match (self.max, self.exclusive_max) {
            (Some(a), Some(b)) if b <= a => (b, true),
            (Some(a), _) => (a, false),
            (None, Some(b)) => (b, true),
            (None, None) => return None,
        };
        Some(match self.step() {
            Some(s) => {
                let mut k = (bound / s).floor();
                if exclusive && k * s >= bound {
                    k -= 1.0;
                }
                k * s
            }
            None if exclusive => bound.next_down(),
            None => bound,
        })
    }

    /// A random accepted value; `None` when the bounds leave none.
    pub(super) fn random(&self, rng: &mut Pcg64) -> Option<f64> {
        let lo = self.first();
        let hi = self.last();
        let (lo, hi) = match (lo, hi) {
            (Some(l), Some(h)) => (l, h),
            (Some(l), None) => (l, l + SPAN),
            (None, Some(h)) => (h - SPAN, h),
            (None, None) => (0.0, SPAN),
        };
        let (lo, hi) = (lo.max(-LIMIT), hi.min(LIMIT));
        if lo > hi {
            // Bounds beyond what f64 holds exactly: the bound itself, if any.
            return self.first().or(self.last()).filter(|v| v.is_finite());
        }
        Some(match self.step() {
            Some(s) => {
                let (a, b) = ((lo / s).ceil(), (hi / s).floor());
                if a > b {
                    return None;
                }
                let k = if a == b {
                    a
                } else {
                    rng.random_range(a as i64..=b as i64) as f64
                };
                round_like(k * s, s)
            }
            None => {
                // Whole numbers half the time: a `number` is often an amount or a count.
                let v = rng.random_range(lo..=hi);
                let r = v.round();
                if rng.random_bool(0.5) && r >= lo && r <= hi {
                    r
                } else {
                    ((v * 100.0).floor() / 100.0).clamp(lo, hi)
                }
            }
        })
    }

    /// The nearest value below the accepted range, when there is a lower bound.
    pub(super) fn below(&self) -> Option<f64> {
        self.first().map(|f| f - self.step().unwrap_or(1.0))
    }

    /// The nearest value above the accepted range, when there is an upper bound.
    pub(super) fn above(&self) -> Option<f64> {
        self.last().map(|l| l + self.step().unwrap_or(1.0))
    }
}

/// `v` rounded to the decimals of `step`, so `0.1 * 3` reads `0.3`.
fn round_like(v: f64, step: f64) -> f64 {
    let mut scale = 1.0;
    let mut s = step;
    for _ in 0..12 {
        if s.fract() == 0.0 {
            break;
        }
        s *= 10.0;
        scale *= 10.0;
    }
    (v * scale).round() / scale
}

/// `v` as JSON: an integer when it is whole and fits, else a float.
pub(super) fn to_json(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() <= LIMIT {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}
