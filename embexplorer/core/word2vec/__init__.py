"""Word2vec training on a text corpus (gensim underneath)."""
