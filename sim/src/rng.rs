//! A small seeded generator (SplitMix64) for registration backoff and
//! UUIDs, so that `--seed` makes a run repeatable.

#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The generator for agent `index` of a fleet seeded with `seed`.
    pub(crate) fn for_agent(seed: u64, index: usize) -> Rng {
        Rng(seed ^ (index as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform fraction in [0, 1], like `os::random() / RAND_MAX`.
    pub(crate) fn fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / ((1u64 << 53) - 1) as f64
    }

    /// 16 random bytes shaped as a version 4 UUID, as `id::UUID::random()`.
    pub(crate) fn uuid(&mut self) -> Vec<u8> {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        bytes.to_vec()
    }

    /// A random UUID in its canonical text form (container ids).
    pub(crate) fn uuid_string(&mut self) -> String {
        let bytes = self.uuid();
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}
