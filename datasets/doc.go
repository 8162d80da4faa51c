// Package datasets loads the data sets stochgrad's notebooks use and
// generates the synthetic problems their papers were published with.
//
// Loaders read installed files only; nothing is downloaded at run time.
// Data live under the directory named by STOCHGRAD_DATA, by default
// $STOCHGRAD_ROOT/.deps/data, and are installed by `make setup`
// (scripts/setup-data.sh):
//
//   - MNIST and FashionMNIST: the IDX files of the two 60k/10k image sets,
//     read by ReadIDX (plain or gzipped). MNISTSplit gives the 50k/10k/10k
//     train/validation/test split at a seed.
//
// Training data come as shuffled mini-batches gathered into a caller-owned
// float32 or float64 buffer (MiniBatches, GatherBatch), binarised afresh on
// every pass (dynamic binarisation) or once at a seed (Images.Binarized).
//
// Synthetic generators take an explicit *rand.Rand and are deterministic
// given its state:
//
//   - SubsetRegression: the k-subset toy problem of I-MLE and AIMLE.
//   - GridShortestPaths: PyEPO's features-to-costs shortest-path data, with
//     one cost per vertex of a grid.
//   - BinaryData: binary vectors from a random mixture of Bernoulli
//     prototypes, with its exact log-likelihood.
//   - Bars: the bars toy of reweighted wake-sleep, with its exact
//     log-likelihood.
//
// Everything works on plain row-major slices; the package imports no other
// stochgrad package.
package datasets
