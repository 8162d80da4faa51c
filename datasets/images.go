package datasets

import (
	"fmt"
)

// Images is a set of N grey-scale images of Rows×Cols pixels, each with an
// optional label.
type Images struct {
	N, Rows, Cols int
	// Pixels holds the images one after another, each row-major, with
	// values in [0, 1]: len(Pixels) == N*Rows*Cols.
	Pixels []float32
	// Labels holds one class label per image (len N), or is nil for
	// unlabelled data.
	Labels []uint8
}

// Dim returns the number of pixels of one image, Rows*Cols.
func (im *Images) Dim() int { return im.Rows * im.Cols }

// Image returns the pixels of image i. The slice aliases im.Pixels.
func (im *Images) Image(i int) []float32 {
	if i < 0 || i >= im.N {
		panic(fmt.Sprintf("datasets: Images.Image: index %d out of range [0, %d)", i, im.N))
	}
	d := im.Dim()
	return im.Pixels[i*d : (i+1)*d : (i+1)*d]
}

// Subset returns a copy of the images at the given indices, in that order.
// Indices may repeat.
func (im *Images) Subset(idx []int) *Images {
	for _, i := range idx {
		if i < 0 || i >= im.N {
			panic(fmt.Sprintf("datasets: Images.Subset: index %d out of range [0, %d)", i, im.N))
		}
	}
	out := &Images{N: len(idx), Rows: im.Rows, Cols: im.Cols}
	out.Pixels = GatherRows(nil, im.Pixels, im.Dim(), idx)
	if im.Labels != nil {
		out.Labels = GatherRows(nil, im.Labels, 1, idx)
	}
	return out
}

// Split splits im into its first N-nValid images and its last nValid
// images, the conventional deterministic train/validation split (50000/10000
// for MNIST's training set with nValid = 10000). Both parts alias im's
// slices; shuffle first with Subset and SplitIndices for a random split.
func (im *Images) Split(nValid int) (train, valid *Images) {
	if nValid < 0 || nValid > im.N {
		panic(fmt.Sprintf("datasets: Images.Split: nValid %d outside [0, %d]", nValid, im.N))
	}
	return im.slice(0, im.N-nValid), im.slice(im.N-nValid, im.N)
}

func (im *Images) slice(i, j int) *Images {
	d := im.Dim()
	out := &Images{N: j - i, Rows: im.Rows, Cols: im.Cols, Pixels: im.Pixels[i*d : j*d : j*d]}
	if im.Labels != nil {
		out.Labels = im.Labels[i:j:j]
	}
	return out
}

// LoadImages reads a labelled image set from two IDX files, as MNIST and its
// look-alikes are distributed: an images file of unsigned bytes with
// dimensions [N, Rows, Cols] and a labels file of N unsigned bytes. Either
// may be gzipped. Pixels are scaled from 0..255 to [0, 1].
func LoadImages(imagesPath, labelsPath string) (*Images, error) {
	img, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	lab, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return imagesFromIDX(img, lab, imagesPath, labelsPath)
}

// imagesFromIDX checks the shapes of an images and a labels array and
// converts them; the paths name the files in errors.
func imagesFromIDX(img, lab *IDX, imagesPath, labelsPath string) (*Images, error) {
	if img.Type != IDXUint8 || len(img.Dims) != 3 {
		return nil, fmt.Errorf("datasets: %s: want a uint8 image array [N, rows, cols], have %v %v", imagesPath, img.Type, img.Dims)
	}
	if lab.Type != IDXUint8 || len(lab.Dims) != 1 {
		return nil, fmt.Errorf("datasets: %s: want a uint8 label vector [N], have %v %v", labelsPath, lab.Type, lab.Dims)
	}
	if img.Dims[0] != lab.Dims[0] {
		return nil, fmt.Errorf("datasets: %s holds %d images but %s holds %d labels", imagesPath, img.Dims[0], labelsPath, lab.Dims[0])
	}
	im := &Images{
		N:      img.Dims[0],
		Rows:   img.Dims[1],
		Cols:   img.Dims[2],
		Pixels: make([]float32, len(img.Data)),
		Labels: lab.Data,
	}
	for i, b := range img.Data {
		im.Pixels[i] = float32(b) / 255
	}
	return im, nil
}
