//! The assessment of units (考核): a configurable rule turns each unit's figures into a
//! score out of 100 and a ranking, for the monthly circulation (通报).

use serde::{Deserialize, Serialize};

use super::figures::UnitFigures;
use crate::error::{Error, Result};

/// The indicators a rule may weigh: key and Chinese name.
pub const SCORED: &[(&str, &str)] = &[
    ("on_time_rate", "按期答复率"),
    ("close_rate", "办结率"),
    ("reply_rate", "答复率"),
    ("satisfaction_rate", "满意率"),
];

/// One weighed indicator: full marks at or above `full_at`, none at or below `zero_at`,
/// linear in between. A unit with nothing to measure gets full marks for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndicatorRule {
    /// One of [`SCORED`]'s keys.
    pub key: String,
    /// Points (the weights of a rule add up to 100).
    pub weight: f64,
    /// The rate that earns full marks (0–1).
    pub full_at: f64,
    /// The rate at or below which the indicator earns nothing (0–1, below `full_at`).
    pub zero_at: f64,
}

/// The scoring rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AssessmentRule {
    /// The weighed indicators.
    pub indicators: Vec<IndicatorRule>,
    /// Points deducted per 黄牌 urging received.
    pub yellow_deduction: f64,
    /// Points deducted per 红牌 urging received.
    pub red_deduction: f64,
    /// Points deducted per overdue case at the cutoff.
    pub overdue_deduction: f64,
}

impl Default for AssessmentRule {
    fn default() -> Self {
        let ind = |key: &str, weight, full_at, zero_at| IndicatorRule {
            key: key.into(),
            weight,
            full_at,
            zero_at,
        };
        AssessmentRule {
            indicators: vec![
                ind("on_time_rate", 40.0, 1.0, 0.6),
                ind("close_rate", 30.0, 1.0, 0.5),
                ind("satisfaction_rate", 30.0, 0.95, 0.6),
            ],
            yellow_deduction: 2.0,
            red_deduction: 5.0,
            overdue_deduction: 1.0,
        }
    }
}

impl AssessmentRule {
    /// Checks the rule, or says in Chinese what is wrong.
    pub fn validate(&self) -> Result<()> {
        if self.indicators.is_empty() {
            return Err(Error::Invalid("考核规则至少需要一项指标".into()));
        }
        let mut seen = Vec::new();
        for i in &self.indicators {
            let name = SCORED
                .iter()
                .find(|(k, _)| *k == i.key)
                .map(|(_, n)| *n)
                .ok_or_else(|| {
                    let keys: Vec<&str> = SCORED.iter().map(|(k, _)| *k).collect();
                    Error::Invalid(format!(
                        "考核指标“{}”无效，可选：{}",
                        i.key,
                        keys.join("、")
                    ))
                })?;
            if seen.contains(&i.key) {
                return Err(Error::Invalid(format!("考核指标“{name}”重复")));
            }
            seen.push(i.key.clone());
            if !(i.weight.is_finite() && i.weight > 0.0) {
                return Err(Error::Invalid(format!("“{name}”的分值应大于 0")));
            }
            let ok = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
            if !(ok(i.full_at) && ok(i.zero_at) && i.zero_at < i.full_at) {
                return Err(Error::Invalid(format!(
                    "“{name}”的满分线和零分线应在 0–1 之间，且零分线低于满分线"
                )));
            }
        }
        let total: f64 = self.indicators.iter().map(|i| i.weight).sum();
        if (total - 100.0).abs() > 1e-6 {
            return Err(Error::Invalid(format!(
                "各项指标分值合计应为 100，现为 {total}"
            )));
        }
        for (label, v) in [
            ("每张黄牌扣分", self.yellow_deduction),
            ("每张红牌扣分", self.red_deduction),
            ("每件超期扣分", self.overdue_deduction),
        ] {
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                return Err(Error::Invalid(format!("{label}应在 0–100 之间")));
            }
        }
        Ok(())
    }
}

/// A unit's score.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnitScore {
    /// Rank, 1 the best; equal scores share a rank.
    pub rank: u32,
    /// Unit name.
    pub unit: String,
    /// Final score, 0–100, two decimals.
    pub score: f64,
    /// Points per indicator, in the rule's order.
    pub parts: Vec<ScorePart>,
    /// Points deducted for urgings and overdue cases.
    pub deductions: f64,
}

/// The points one indicator earned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScorePart {
    /// Indicator key.
    pub key: String,
    /// Chinese name.
    pub name: String,
    /// The unit's rate, null when there was nothing to measure.
    pub value: Option<f64>,
    /// Points earned.
    pub points: f64,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn value(u: &UnitFigures, key: &str) -> Option<f64> {
    match key {
        "on_time_rate" => u.on_time_rate,
        "close_rate" => u.close_rate,
        "reply_rate" => u.reply_rate,
        "satisfaction_rate" => u.satisfaction.rate,
        _ => None,
    }
}

/// Scores and ranks `units` under `rule`.
pub fn score(rule: &AssessmentRule, units: &[UnitFigures]) -> Vec<UnitScore> {
    let mut out: Vec<UnitScore> = units
        .iter()
        .map(|u| {
            let parts: Vec<ScorePart> = rule
                .indicators
                .iter()
                .map(|i| {
                    let v = value(u, &i.key);
                    let share = match v {
                        None => 1.0,
                        Some(v) if v >= i.full_at => 1.0,
                        Some(v) if v <= i.zero_at => 0.0,
                        Some(v) => (v - i.zero_at) / (i.full_at - i.zero_at),
                    };
                    ScorePart {
                        key: i.key.clone(),
                        name: SCORED
                            .iter()
                            .find(|(k, _)| *k == i.key)
                            .map_or("", |(_, n)| n)
                            .to_string(),
                        value: v,
                        points: round2(i.weight * share),
                    }
                })
                .collect();
            let deductions = round2(
                rule.yellow_deduction * u.urgings.yellow as f64
                    + rule.red_deduction * u.urgings.red as f64
                    + rule.overdue_deduction * u.overdue as f64,
            );
            let total: f64 = parts.iter().map(|p| p.points).sum();
            UnitScore {
                rank: 0,
                unit: u.unit.clone(),
                score: round2((total - deductions).max(0.0)),
                parts,
                deductions,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let mut prev: Option<f64> = None;
    let mut rank = 0;
    for (i, s) in out.iter_mut().enumerate() {
        if prev != Some(s.score) {
            rank = i as u32 + 1;
        }
        prev = Some(s.score);
        s.rank = rank;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rule_is_valid_and_bad_rules_are_refused_in_chinese() {
        AssessmentRule::default().validate().unwrap();
        let mut r = AssessmentRule::default();
        r.indicators[0].weight = 50.0;
        assert!(r
            .validate()
            .unwrap_err()
            .to_string()
            .contains("合计应为 100"));
        let mut r = AssessmentRule::default();
        r.indicators[0].key = "speed".into();
        assert!(r.validate().unwrap_err().to_string().contains("无效"));
        let mut r = AssessmentRule::default();
        r.indicators[1].zero_at = 1.0;
        assert!(r.validate().unwrap_err().to_string().contains("零分线"));
    }
}
