//! Which detection is which tracked object: a similarity per (object, detection) pair, pairs
//! outside the gates left out, then the optimal assignment — the one that maximizes the total
//! similarity — by the Kuhn-Munkres (Hungarian) algorithm of the `pathfinding` crate.
//!
//! A greedy match (best pair first) goes wrong where objects cross: taking the best pair can
//! leave the second object only a bad partner. The optimal assignment weighs all pairs at once.
//! Kuhn-Munkres costs O(n³), so the pairs are first split into independent groups (connected
//! components of the graph of allowed pairs); objects far apart never share a group, and a
//! frame of 100 separate objects solves 100 one-by-one problems.

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;

use super::geometry::BoxF;

/// Similarities are scaled to integers for the assignment (it needs a totally ordered weight).
const WEIGHT_SCALE: f64 = 1e6;

/// The gates a pair must pass to be associated at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gates {
    /// Largest distance between the centres of the predicted box and the detection, in units
    /// of box size (the square root of the mean of the two areas).
    pub max_distance: f64,
    /// Smallest shape similarity: (smaller width / larger width) × (smaller height / larger
    /// height).
    pub min_shape_similarity: f64,
    /// Smallest appearance similarity (Bhattacharyya coefficient), where both have one.
    pub min_appearance_similarity: f64,
}

/// The similarity of a tracked object's predicted box to a detected box, in (0, 1], or `None`
/// when a gate rules the pair out. `distance_scale` (≥ 1) widens the distance gate for objects
/// missed for a while; `appearance` gives the appearance similarity when both sides have one
/// (it is only asked for pairs that pass the position and shape gates: comparing histograms is
/// the dearest part).
///
/// The similarity is the product of a position term `exp(-2 (d / gate)²)` (1 at the predicted
/// centre, e⁻² ≈ 0.14 at the gate), the shape similarity and the appearance similarity.
pub fn similarity(
    predicted: &BoxF,
    detected: &BoxF,
    gates: &Gates,
    distance_scale: f64,
    appearance: impl FnOnce() -> Option<f64>,
) -> Option<f64> {
    // Squared distances in units of box size (the square root of the mean area), so that the
    // gate needs no square root.
    let size2 = ((predicted.area() + detected.area()) / 2.0).max(1.0);
    let (px, py) = predicted.centre();
    let (dx, dy) = detected.centre();
    let distance2 = ((px - dx).powi(2) + (py - dy).powi(2)) / size2;
    let gate = gates.max_distance * distance_scale;
    // NaN (no number) is outside every gate.
    if distance2.is_nan() || distance2 > gate * gate {
        return None;
    }
    let ratio = |a: f64, b: f64| {
        let (a, b) = (a.max(1e-9), b.max(1e-9));
        a.min(b) / a.max(b)
    };
    let shape = ratio(predicted.w, detected.w) * ratio(predicted.h, detected.h);
    if shape < gates.min_shape_similarity {
        return None;
    }
    let appearance = appearance().unwrap_or(1.0);
    if appearance < gates.min_appearance_similarity {
        return None;
    }
    let position = if gate > 0.0 {
        (-2.0 * distance2 / (gate * gate)).exp()
    } else {
        1.0
    };
    Some(position * shape * appearance)
}

/// An allowed pair: row (tracked object), column (detection), similarity > 0.
pub type Pair = (usize, usize, f64);

/// The assignment of `rows` to `columns` maximizing the total similarity over `pairs` (pairs
/// not listed cannot be matched); each row and each column is used at most once. Returns the
/// matched `(row, column)` pairs, sorted by row.
pub fn assign(rows: usize, columns: usize, pairs: &[Pair]) -> Vec<(usize, usize)> {
    let mut matched = Vec::new();
    for group in groups(rows, columns, pairs) {
        match group.as_slice() {
            [] => {}
            [(r, c, _)] => matched.push((*r, *c)),
            _ => matched.extend(solve(&group)),
        }
    }
    matched.sort_unstable();
    matched
}

/// The pairs split into connected components of the bipartite graph rows–columns.
fn groups(rows: usize, columns: usize, pairs: &[Pair]) -> Vec<Vec<Pair>> {
    // Union-find over rows (0..rows) and columns (rows..rows+columns).
    let mut parent: Vec<usize> = (0..rows + columns).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for &(r, c, _) in pairs {
        let (a, b) = (find(&mut parent, r), find(&mut parent, rows + c));
        if a != b {
            parent[a] = b;
        }
    }
    let mut index_of_root = vec![usize::MAX; rows + columns];
    let mut groups: Vec<Vec<Pair>> = Vec::new();
    for &pair in pairs {
        let root = find(&mut parent, pair.0);
        if index_of_root[root] == usize::MAX {
            index_of_root[root] = groups.len();
            groups.push(Vec::new());
        }
        groups[index_of_root[root]].push(pair);
    }
    groups
}

/// Kuhn-Munkres on one group: a dense matrix of its rows × columns (transposed when it has
/// more rows than columns, as the algorithm requires), absent pairs weighing 0; matches of
/// weight 0 are not matches.
fn solve(group: &[Pair]) -> Vec<(usize, usize)> {
    let mut rows: Vec<usize> = group.iter().map(|p| p.0).collect();
    let mut columns: Vec<usize> = group.iter().map(|p| p.1).collect();
    rows.sort_unstable();
    rows.dedup();
    columns.sort_unstable();
    columns.dedup();
    let transpose = rows.len() > columns.len();
    let (outer, inner) = if transpose {
        (&columns, &rows)
    } else {
        (&rows, &columns)
    };
    let mut weights = Matrix::new(outer.len(), inner.len(), 0i64);
    for &(r, c, s) in group {
        let (o, i) = if transpose { (c, r) } else { (r, c) };
        // Both are in the sorted lists built from this very group.
        let (Ok(o), Ok(i)) = (outer.binary_search(&o), inner.binary_search(&i)) else {
            continue;
        };
        weights[(o, i)] = ((s * WEIGHT_SCALE).round() as i64).max(1);
    }
    let (_, assignment) = kuhn_munkres(&weights);
    assignment
        .into_iter()
        .enumerate()
        .filter(|&(o, i)| weights[(o, i)] > 0)
        .map(|(o, i)| {
            if transpose {
                (inner[i], outer[o])
            } else {
                (outer[o], inner[i])
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GATES: Gates = Gates {
        max_distance: 1.0,
        min_shape_similarity: 0.5,
        min_appearance_similarity: 0.5,
    };

    #[test]
    fn similarity_terms_and_gates() {
        let a = BoxF::new(0.0, 0.0, 10.0, 10.0);
        assert_eq!(similarity(&a, &a, &GATES, 1.0, || None), Some(1.0));
        // Half a box size away: exp(-2 * 0.25).
        let b = BoxF::new(5.0, 0.0, 10.0, 10.0);
        let s = similarity(&a, &b, &GATES, 1.0, || None).unwrap();
        assert!((s - (-0.5f64).exp()).abs() < 1e-12, "{s}");
        // 1.5 box sizes away: outside the gate, inside a gate twice as wide.
        let far = BoxF::new(15.0, 0.0, 10.0, 10.0);
        assert_eq!(similarity(&a, &far, &GATES, 1.0, || None), None);
        assert!(similarity(&a, &far, &GATES, 2.0, || None).is_some());
        // Same centre, a third of the width: shape 1/3 < 0.5.
        let thin = BoxF::new(3.333, 0.0, 3.333, 10.0);
        assert_eq!(similarity(&a, &thin, &GATES, 1.0, || None), None);
        // Appearance multiplies in and gates.
        assert_eq!(similarity(&a, &a, &GATES, 1.0, || Some(0.8)), Some(0.8));
        assert_eq!(similarity(&a, &a, &GATES, 1.0, || Some(0.4)), None);
        // Appearance is not even asked for pairs the position gate rules out.
        assert_eq!(similarity(&a, &far, &GATES, 1.0, || panic!("asked")), None);
    }

    #[test]
    fn optimal_beats_greedy() {
        // Greedy takes (0, 0) = 0.9 first and leaves row 1 with column 1 = 0.1 (total 1.0);
        // the optimum is (0, 1) + (1, 0) = 0.8 + 0.85.
        let pairs = [(0, 0, 0.9), (0, 1, 0.8), (1, 0, 0.85), (1, 1, 0.1)];
        assert_eq!(assign(2, 2, &pairs), vec![(0, 1), (1, 0)]);
    }

    #[test]
    fn rows_and_columns_used_once_with_more_rows_than_columns() {
        // Three objects compete for two detections; a fourth object and a third detection are
        // alone.
        let pairs = [
            (0, 0, 0.5),
            (1, 0, 0.6),
            (1, 1, 0.7),
            (2, 1, 0.9),
            (3, 2, 0.3),
        ];
        assert_eq!(assign(4, 3, &pairs), vec![(1, 0), (2, 1), (3, 2)]);
        assert_eq!(assign(4, 3, &[]), vec![]);
    }

    #[test]
    fn independent_groups() {
        let pairs: Vec<Pair> = (0..100).map(|i| (i, 99 - i, 0.5)).collect();
        let matched = assign(100, 100, &pairs);
        assert_eq!(matched.len(), 100);
        assert!(matched.iter().all(|&(r, c)| r + c == 99));
        assert_eq!(groups(100, 100, &pairs).len(), 100);
    }
}
