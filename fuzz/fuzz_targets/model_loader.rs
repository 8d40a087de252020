//! The model loader never panics, whatever the bytes; a model it accepts can be run and written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp::Model;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = Model::from_json_bytes("fuzz.json", data) {
        let n = model.network.n_inputs();
        if n <= 4096 {
            let x = ndarray::Array2::<f64>::zeros((1, n));
            let _ = model.network.predict(x.view());
        }
        let text = model.to_json().expect("an accepted model can be written");
        let again = Model::from_json_bytes("again.json", text.as_bytes()).expect("and read back");
        assert_eq!(again, model);
    }
});
