//! Generates MapLibre/Mapbox SDF glyph ranges (`{start}-{end}.pbf`, 256 code points each) for one
//! named fontstack by merging several font files in order of precedence (first font that has a
//! code point wins). Not a font server: it writes files once; sitrep serves them as static assets.
//!
//! usage: sitrep-build-glyphs <out-dir> <fontstack name> <max code point> <font.ttf>...
//! Every range from 0 up to <max code point> is written, an empty (glyph-less) one where no font
//! covers it, so that MapLibre never gets a 404 for a range it asks for.

use pbf_font_tools::freetype::Library;
use pbf_font_tools::prost::Message;
use pbf_font_tools::{combine_glyphs, glyph_range_for_face, Fontstack, Glyphs};
use std::path::PathBuf;

const SIZE: usize = 24; // MapLibre's glyph size
const RADIUS: usize = 8; // SDF buffer radius MapLibre expects
const CUTOFF: f64 = 0.25;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: {} <out-dir> <fontstack name> <max code point> <font.ttf>...", args[0]);
        std::process::exit(2);
    }
    let out = PathBuf::from(&args[1]).join(&args[2]);
    let name = args[2].clone();
    let max: u32 = args[3].parse().expect("max code point");
    let fonts: Vec<PathBuf> = args[4..].iter().map(PathBuf::from).collect();
    std::fs::create_dir_all(&out).expect("create output dir");

    let lib = Library::init().expect("freetype init");
    let faces: Vec<_> = fonts
        .iter()
        .map(|p| lib.new_face(p, 0).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect();

    let mut start = 0u32;
    let (mut files, mut glyph_total, mut bytes) = (0usize, 0usize, 0usize);
    while start <= max {
        let end = start + 255;
        let parts: Vec<Glyphs> = faces
            .iter()
            .map(|face| {
                let stack = glyph_range_for_face(face, start, end, SIZE, RADIUS, CUTOFF)
                    .expect("render glyph range");
                Glyphs { stacks: vec![stack] }
            })
            .collect();
        let mut stack = match combine_glyphs(parts) {
            Some(mut g) => g.stacks.remove(0),
            None => Fontstack::default(),
        };
        stack.glyphs.sort_by_key(|g| g.id);
        glyph_total += stack.glyphs.len();
        stack.name = name.clone();
        stack.range = format!("{start}-{end}");
        let msg = Glyphs { stacks: vec![stack] };
        let buf = msg.encode_to_vec();
        bytes += buf.len();
        std::fs::write(out.join(format!("{start}-{end}.pbf")), &buf).expect("write pbf");
        files += 1;
        start += 256;
    }
    eprintln!("{name}: {files} ranges, {glyph_total} glyphs, {bytes} bytes -> {}", out.display());
}
