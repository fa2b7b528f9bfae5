"""Analysis of one embedding set: PCA, nearest neighbours, analogy arithmetic, benchmark evaluation."""
