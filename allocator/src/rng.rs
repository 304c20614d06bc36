//! A small seeded generator (SplitMix64) for the agent shuffle and the
//! random sorter: reproducible in tests, no dependency.

#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..bound` (`bound > 0`).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_f64() * bound as f64) as usize % bound
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            items.swap(index, self.below(index + 1));
        }
    }

    /// Orders `items` so that each place is drawn from those left with
    /// probability proportional to its weight.
    pub fn weighted_shuffle<T>(&mut self, items: &mut [(f64, T)]) {
        let mut remaining: f64 = items.iter().map(|(weight, _)| weight).sum();
        for index in 0..items.len() {
            let mut target = self.next_f64() * remaining;
            let mut chosen = items.len() - 1;
            for (offset, (weight, _)) in items[index..].iter().enumerate() {
                if target < *weight {
                    chosen = index + offset;
                    break;
                }
                target -= weight;
            }
            remaining -= items[chosen].0;
            items.swap(index, chosen);
        }
    }
}
