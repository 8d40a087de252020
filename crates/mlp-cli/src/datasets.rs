//! The built-in data sets, embedded in the binary (provenance: datasets/SOURCES.md).

/// A built-in data set.
pub struct Dataset {
    /// Name for `--dataset`.
    pub name: &'static str,
    /// The target column.
    pub target: &'static str,
    /// classification or regression.
    pub task: &'static str,
    /// One line on what it is.
    pub about: &'static str,
    /// The CSV file (gzip-compressed for mnist_5k).
    pub bytes: &'static [u8],
}

/// Every built-in data set.
pub const ALL: [Dataset; 6] = [
    Dataset {
        name: "iris",
        target: "species",
        task: "classification",
        about: "Fisher's iris flowers, 3 species",
        bytes: include_bytes!("../../../datasets/iris.csv"),
    },
    Dataset {
        name: "wine",
        target: "cultivar",
        task: "classification",
        about: "chemical analysis of wines from 3 cultivars",
        bytes: include_bytes!("../../../datasets/wine.csv"),
    },
    Dataset {
        name: "breast_cancer",
        target: "diagnosis",
        task: "classification",
        about: "Wisconsin diagnostic breast cancer, malignant or benign",
        bytes: include_bytes!("../../../datasets/breast_cancer.csv"),
    },
    Dataset {
        name: "digits",
        target: "digit",
        task: "classification",
        about: "8x8 images of handwritten digits",
        bytes: include_bytes!("../../../datasets/digits.csv"),
    },
    Dataset {
        name: "mnist_5k",
        target: "digit",
        task: "classification",
        about: "5000 28x28 MNIST digits, 500 of each",
        bytes: include_bytes!("../../../datasets/mnist_5k.csv.gz"),
    },
    Dataset {
        name: "diabetes",
        target: "progression",
        task: "regression",
        about: "disease progression of 442 diabetes patients (raw features)",
        bytes: include_bytes!("../../../datasets/diabetes.csv"),
    },
];

/// The data set called `name`.
pub fn find(name: &str) -> anyhow::Result<&'static Dataset> {
    ALL.iter().find(|d| d.name == name).ok_or_else(|| {
        let names: Vec<String> = ALL.iter().map(|d| d.name.to_owned()).collect();
        anyhow::anyhow!(
            "unknown data set \"{name}\"{} (built-in: {})",
            mlp::data::did_you_mean(name, &names),
            names.join(", ")
        )
    })
}
