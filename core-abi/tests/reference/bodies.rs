//! Deterministic request bodies for differential tests: generated requests (valid, with wrong
//! types, out-of-range values, duplicates, unknown members, every kind of string content and
//! whitespace), then often corrupted (truncated, bytes replaced, inserted, deleted, spans
//! duplicated). Each body is a pure function of its seed, so a failure names its seed.

/// splitmix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5851_F42D_4C95_7F2D)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Names a request may use: the known ones, escaped spellings of them, near misses.
const KEYS: &[&str] = &[
    "action",
    "context",
    "velocity",
    "note",
    "cc",
    "value",
    "timestamp",
    "metadata",
    r"\u0061ction",
    r"cont\u0065xt",
    r"n\u006fte",
    r"\u0063c",
    r"timestam\u0070",
    r"metadat\u0061",
    "actio",
    "actions",
    "Action",
    "contexT",
    "notes",
    "c",
    "ccc",
    "valuee",
    "timestamp_",
    "metadata2",
    "velocitx",
    "current_mode",
    "",
    "k",
    "key",
    "x",
    "é",
    r"\ud83c\udfb9",
    "curve",
    "min",
    "max",
];

const ACTIONS: &[&str] = &[
    "my_action",
    "velocity_curve",
    "note_filter",
    r"my\u005faction",
    r"\u006d\u0079\u005f\u0061\u0063\u0074\u0069\u006f\u006e",
    "My_action",
    "my_actio",
    "my_actionx",
    "",
    "nope",
    "note_filte",
    "velocity_curvE",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "60",
    "100",
    "127",
    "128",
    "255",
    "-1",
    "-0",
    "60.0",
    "6e1",
    "1E+2",
    "1e-2",
    "0.5",
    "00",
    "060",
    "1.",
    ".5",
    "-",
    "+1",
    "1e",
    "1e+",
    "1234567890",
    "1732000000000",
    "18446744073709551615",
    "18446744073709551616",
    "18446744073709551609",
    "18446744073709551620",
    "99999999999999999999",
    "1844674407370955161",
    "100000000000000000000000000000",
    "1e400",
    "-1e400",
    "7",
];

const LITERALS: &[&str] = &[
    "null", "true", "false", "nul", "tru", "fals", "nulll", "NaN", "None",
];

const WHITESPACE: &[&str] = &[" ", "\t", "\n", "\r", "  ", " \n\t ", "\r\n"];

/// Pieces of string contents: ASCII, escapes, UTF-8 of every width, and faults.
fn string_piece(rng: &mut Rng, out: &mut Vec<u8>, broken: bool) {
    const GOOD: &[&[u8]] = &[
        b"a",
        b"value",
        b"soft",
        b"x y z",
        b"0123456789abcdef",
        b"\\n",
        b"\\\"",
        b"\\\\",
        b"\\/",
        b"\\b",
        b"\\f",
        b"\\r",
        b"\\t",
        b"\\u00e9",
        b"\\u00E9",
        b"\\u0041",
        b"\\u20ac",
        b"\\ud83c\\udfb9",
        b"\\uDBFF\\uDFFF",
        b"\\u0000",
        b"\\uffff",
        b"\xc3\xa9",
        b"\xe2\x82\xac",
        b"\xf0\x9f\x8e\xb9",
        b"\xc2\x80",
        b"\xdf\xbf",
        b"\xe0\xa0\x80",
        b"\xed\x9f\xbf",
        b"\xee\x80\x80",
        b"\xef\xbf\xbf",
        b"\xf0\x90\x80\x80",
        b"\xf4\x8f\xbf\xbf",
        b"\xf3\xbf\xbf\xbf",
        b"\x7f",
        b" ",
        b"~",
    ];
    const BAD: &[&[u8]] = &[
        b"\\x",
        b"\\u12",
        b"\\u12g4",
        b"\\ud800",
        b"\\udc00",
        b"\\ud800\\u0041",
        b"\\ud800\\ud800",
        b"\\ud800x",
        b"\\",
        b"\\U0041",
        b"\x80",
        b"\xbf",
        b"\xc0\xaf",
        b"\xc1\xbf",
        b"\xc3",
        b"\xc3(",
        b"\xe0\x80\xaf",
        b"\xe0\x9f\xbf",
        b"\xed\xa0\x80",
        b"\xed\xbf\xbf",
        b"\xe2\x82",
        b"\xf0\x80\x80\x80",
        b"\xf0\x8f\xbf\xbf",
        b"\xf4\x90\x80\x80",
        b"\xf5\x80\x80\x80",
        b"\xff",
        b"\xfe",
        b"\x00",
        b"\x1f",
        b"\t",
        b"\n",
        b"\xf0\x9f\x8e",
        b"\xe2\x28\xa1",
    ];
    let pool = if broken && rng.one_in(6) { BAD } else { GOOD };
    let piece = *rng.pick::<&[u8]>(pool);
    out.extend_from_slice(piece);
}

fn string(rng: &mut Rng, out: &mut Vec<u8>, broken: bool) {
    out.push(b'"');
    let pieces = match rng.below(4) {
        0 => 0,
        1 => 1,
        2 => rng.below(6),
        _ => rng.below(40),
    };
    for _ in 0..pieces {
        string_piece(rng, out, broken);
    }
    out.push(b'"');
}

fn ws(rng: &mut Rng, out: &mut Vec<u8>) {
    if rng.one_in(4) {
        out.extend_from_slice(rng.pick(WHITESPACE).as_bytes());
    }
}

/// Any JSON value, nesting at most `depth` more levels.
fn value(rng: &mut Rng, out: &mut Vec<u8>, depth: usize, broken: bool) {
    match rng.below(if depth == 0 { 3 } else { 5 }) {
        0 => string(rng, out, broken),
        1 => out.extend_from_slice(rng.pick(NUMBERS).as_bytes()),
        2 => out.extend_from_slice(rng.pick(LITERALS).as_bytes()),
        3 => {
            out.push(b'[');
            let n = rng.below(4);
            for i in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                ws(rng, out);
                value(rng, out, depth - 1, broken);
                ws(rng, out);
            }
            out.push(b']');
        }
        _ => {
            out.push(b'{');
            let n = rng.below(4);
            for i in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                ws(rng, out);
                string(rng, out, broken);
                ws(rng, out);
                out.push(b':');
                ws(rng, out);
                value(rng, out, depth - 1, broken);
            }
            out.push(b'}');
        }
    }
}

/// Brackets nested exactly `levels` deep, around a scalar.
fn nested(rng: &mut Rng, out: &mut Vec<u8>, levels: usize) {
    let objects: Vec<bool> = (0..levels).map(|_| rng.one_in(2)).collect();
    for &object in &objects {
        out.extend_from_slice(if object { b"{\"a\":" } else { b"[" });
    }
    out.push(b'1');
    for &object in objects.iter().rev() {
        out.push(if object { b'}' } else { b']' });
    }
}

fn object(rng: &mut Rng, out: &mut Vec<u8>, members: &[Vec<u8>]) {
    out.push(b'{');
    ws(rng, out);
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            ws(rng, out);
            out.push(b',');
            ws(rng, out);
        }
        out.extend_from_slice(m);
    }
    ws(rng, out);
    out.push(b'}');
}

fn member(rng: &mut Rng, key: &str, val: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    m.push(b'"');
    m.extend_from_slice(key.as_bytes());
    m.push(b'"');
    ws(rng, &mut m);
    m.push(b':');
    ws(rng, &mut m);
    m.extend_from_slice(val);
    m
}

/// A value for the member `key`, usually of the right type.
fn field_value(rng: &mut Rng, key: &str, depth: usize, broken: bool) -> Vec<u8> {
    let mut v = Vec::new();
    let base = key
        .replace(r"\u0061", "a")
        .replace(r"\u0065", "e")
        .replace(r"\u006f", "o");
    let base = base.replace(r"\u0063", "c").replace(r"\u0070", "p");
    if rng.one_in(30) {
        // The wrong type, or anything at all.
        value(rng, &mut v, depth.min(3), broken);
        return v;
    }
    match base.as_str() {
        "action" => {
            if rng.one_in(5) {
                string(rng, &mut v, broken);
            } else {
                v.push(b'"');
                v.extend_from_slice(rng.pick(ACTIONS).as_bytes());
                v.push(b'"');
            }
        }
        "context" => {
            if rng.one_in(8) {
                v.extend_from_slice(b"null");
            } else {
                let members = context_members(rng, depth, broken);
                object(rng, &mut v, &members);
            }
        }
        "velocity" | "note" | "cc" | "value" | "timestamp" => {
            if rng.one_in(4) {
                v.extend_from_slice(b"null");
            } else if rng.one_in(4) {
                v.extend_from_slice(rng.pick(NUMBERS).as_bytes());
            } else if base == "timestamp" {
                v.extend_from_slice(rng.next().to_string().as_bytes());
            } else {
                v.extend_from_slice(rng.below(128).to_string().as_bytes());
            }
        }
        "metadata" => {
            if rng.one_in(8) {
                v.extend_from_slice(b"null");
            } else {
                let n = if rng.one_in(10) {
                    rng.below(60)
                } else {
                    rng.below(5)
                };
                let mut members = Vec::new();
                for _ in 0..n {
                    let mut m = Vec::new();
                    if rng.one_in(3) {
                        m.push(b'"');
                        m.extend_from_slice(rng.pick(KEYS).as_bytes());
                        m.push(b'"');
                    } else {
                        string(rng, &mut m, broken);
                    }
                    ws(rng, &mut m);
                    m.push(b':');
                    ws(rng, &mut m);
                    if rng.one_in(50) {
                        value(rng, &mut m, 2, broken);
                    } else {
                        string(rng, &mut m, broken);
                    }
                    members.push(m);
                }
                object(rng, &mut v, &members);
            }
        }
        _ => {
            if rng.one_in(30) {
                let levels = (depth + 2).saturating_sub(rng.below(4));
                nested(rng, &mut v, levels);
            } else {
                value(rng, &mut v, depth.min(4), broken);
            }
        }
    }
    v
}

fn context_members(rng: &mut Rng, depth: usize, broken: bool) -> Vec<Vec<u8>> {
    let mut members = Vec::new();
    for key in ["velocity", "note", "cc", "value", "timestamp", "metadata"] {
        if !rng.one_in(3) {
            let key = if rng.one_in(10) { *rng.pick(KEYS) } else { key };
            let v = field_value(rng, key, depth.saturating_sub(1), broken);
            members.push(member(rng, key, &v));
        }
    }
    for _ in 0..rng.below(3) {
        let key = *rng.pick(KEYS);
        let v = field_value(rng, key, depth.saturating_sub(1), broken);
        members.push(member(rng, key, &v));
    }
    shuffle_some(rng, &mut members);
    members
}

fn shuffle_some(rng: &mut Rng, members: &mut [Vec<u8>]) {
    if members.len() > 1 && rng.one_in(3) {
        for i in (1..members.len()).rev() {
            let j = rng.below(i + 1);
            members.swap(i, j);
        }
    }
}

/// A request body: a generated request, then possibly corrupted.
pub fn body(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let broken = rng.one_in(3);
    // Nesting inside an unknown member of the request may reach 127 more levels.
    let depth = 126;
    let mut members = Vec::new();
    if !rng.one_in(12) {
        let key = if rng.one_in(10) {
            *rng.pick(KEYS)
        } else {
            "action"
        };
        let v = field_value(&mut rng, key, depth, broken);
        members.push(member(&mut rng, key, &v));
    }
    if !rng.one_in(6) {
        let key = if rng.one_in(10) {
            *rng.pick(KEYS)
        } else {
            "context"
        };
        let v = field_value(&mut rng, key, depth, broken);
        members.push(member(&mut rng, key, &v));
    }
    for _ in 0..rng.below(3) {
        let key = *rng.pick(KEYS);
        let v = field_value(&mut rng, key, depth, broken);
        members.push(member(&mut rng, key, &v));
    }
    if rng.one_in(10) && !members.is_empty() {
        let again = members[rng.below(members.len())].clone();
        members.push(again);
    }
    shuffle_some(&mut rng, &mut members);
    let mut out = Vec::new();
    ws(&mut rng, &mut out);
    object(&mut rng, &mut out, &members);
    ws(&mut rng, &mut out);
    if rng.one_in(3) {
        corrupt(&mut rng, &mut out);
    }
    out
}

/// Bytes that matter to a JSON parser, for substitutions and insertions.
const INTERESTING: &[u8] = b"{}[]:,\"\\ \t\n\r0123456789-+.eEtrufalsn/bu\x00\x1f\x7f\x80\xbf\xc2\xdf\xe0\xed\xef\xf0\xf4\xf5\xffxA";

/// One to three random corruptions.
pub fn corrupt(rng: &mut Rng, out: &mut Vec<u8>) {
    for _ in 0..=rng.below(3) {
        if out.is_empty() {
            return;
        }
        let at = rng.below(out.len());
        match rng.below(6) {
            0 => out.truncate(at),
            1 => out[at] = *rng.pick(INTERESTING),
            2 => out.insert(at, *rng.pick(INTERESTING)),
            3 => {
                out.remove(at);
            }
            4 => out[at] ^= 1 << rng.below(8),
            _ => {
                let end = (at + 1 + rng.below(8)).min(out.len());
                let span = out[at..end].to_vec();
                let to = rng.below(out.len() + 1);
                out.splice(to..to, span);
            }
        }
    }
}
