// Package bench holds stochgrad's benchmarks, each with a PyTorch twin in
// this folder (torch_*.py, run with Debian's python3-torch). `make bench`
// runs both sides in one go and prints the ratios; see compare/.
package bench
