//! Any image through the WSQ encoder then the decoder: the first two bytes give the size
//! (32 to 159 pixels a side), the next the bit rate (0.25 to 6.47), the rest the pixels (repeated to fill).
//! Encoding must succeed and decoding must give back an image of the same size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marsad_biometrics::formats::wsq;
use marsad_biometrics::image::GrayImage;

fuzz_target!(|data: &[u8]| {
    let [w, h, rate, pixels @ ..] = data else {
        return;
    };
    if pixels.is_empty() {
        return;
    }
    let (w, h) = (32 + u32::from(*w % 128), 32 + u32::from(*h % 128));
    let rate = 0.25 + f32::from(*rate % 200) / 32.0;
    let pixels: Vec<u8> = pixels
        .iter()
        .copied()
        .cycle()
        .take((w * h) as usize)
        .collect();
    let image = GrayImage::new(w, h, pixels).expect("size within limits");
    let bytes = wsq::encode(&image, rate, None).expect("encodes");
    let decoded = wsq::decode(&bytes).expect("decodes what it encoded");
    assert_eq!((decoded.image.width(), decoded.image.height()), (w, h));
});
