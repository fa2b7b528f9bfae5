"""``embexplorer train-w2v CORPUS``: train word2vec headless, printing per-epoch figures."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

from embexplorer.core.errors import DataError

NAME = "train-w2v"
HELP = ("Train word2vec (gensim) on a text corpus: a file with one sentence per line, a folder of "
        "such files, .gz/.bz2/.xz versions, or a Wikipedia XML dump; print loss, words/s and "
        "analogy accuracy after every epoch. Ctrl+C stops at once and keeps (and saves) the last "
        "complete epoch, exit status 130.")

#: Exit status of a run stopped with Ctrl+C (the last complete epoch is still printed and saved).
EXIT_STOPPED = 130
#: Output formats of --format.
OUT_FORMATS = ("word2vec", "word2vec-binary")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from embexplorer.core.word2vec.w2v import W2VSettings

    d = W2VSettings()
    parser.add_argument("corpus", metavar="CORPUS", help="text file, folder, or Wikipedia .xml.bz2 dump")
    parser.add_argument("--out", metavar="FILE", help="save the vectors to FILE")
    parser.add_argument("--format", choices=OUT_FORMATS, default="word2vec",
                        help="format of --out (default: word2vec text)")
    parser.add_argument("--sg", action="store_true", help="skip-gram instead of CBOW")
    parser.add_argument("--size", type=int, default=d.vector_size, metavar="D",
                        help=f"vector size (default {d.vector_size})")
    parser.add_argument("--window", type=int, default=d.window, help=f"context window (default {d.window})")
    parser.add_argument("--min-count", type=int, default=d.min_count,
                        help=f"ignore words rarer than this (default {d.min_count})")
    parser.add_argument("--negative", type=int, default=d.negative,
                        help=f"negative samples (default {d.negative})")
    parser.add_argument("--epochs", type=int, default=d.epochs, help=f"epochs (default {d.epochs})")
    parser.add_argument("--workers", type=int, default=d.workers,
                        help=f"worker threads (default {d.workers})")
    parser.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    parser.add_argument("--sample", type=float, default=d.sample,
                        help=f"down-sampling threshold of frequent words (default {d.sample:g})")
    parser.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=True,
                        help="lower-case tokens (default: yes)")
    parser.add_argument("--strip-punct", action="store_true", help="drop punctuation from tokens")
    parser.add_argument("--analogies", metavar="FILE",
                        help="analogy questions scored after every epoch (e.g. questions-words.txt)")
    parser.add_argument("--wiki", action="store_true",
                        help="read CORPUS as a Wikipedia XML dump (detected automatically otherwise)")
    parser.add_argument("--max-articles", type=int, metavar="N", help="Wikipedia dump: stop after N articles")
    parser.add_argument("--analogies-encoding", default="utf-8", metavar="CODEC",
                        help="encoding of --analogies (default UTF-8)")
    parser.add_argument("--encoding", default="utf-8", metavar="CODEC",
                        help="encoding of the corpus text (default UTF-8; bytes that do not decode "
                             "become U+FFFD)")


def _check(args) -> None:
    for name in ("size", "window", "epochs", "workers"):
        if getattr(args, name) < 1:
            raise DataError(f"--{name} must be at least 1, got {getattr(args, name)}")
    for name in ("min_count", "negative"):
        if getattr(args, name) < 0:
            raise DataError(f"--{name.replace('_', '-')} must not be negative")
    if args.negative == 0:
        raise DataError("--negative must be at least 1 (hierarchical softmax is not offered here)")


def run(args) -> int:
    from embexplorer.commands._filekind import (
        ANALOGIES,
        CORPUS_KINDS,
        EXPECT_ANALOGIES,
        EXPECT_CORPUS,
        expect,
        reading,
    )
    from embexplorer.core.progress import TaskControl
    from embexplorer.core.word2vec.w2v import W2VSettings, open_corpus, save_word2vec, train_word2vec_run

    _check(args)
    if not args.wiki:  # vectors, a model or binary data given as the corpus: say so before training on it
        expect(args.corpus, EXPECT_CORPUS, CORPUS_KINDS)
    if args.analogies:
        expect(args.analogies, EXPECT_ANALOGIES, (ANALOGIES, "text", "empty"))
    corpus = open_corpus(args.corpus, lowercase=args.lowercase, strip_punct=args.strip_punct,
                         wiki=True if args.wiki else None, max_articles=args.max_articles,
                         encoding=args.encoding)
    settings = W2VSettings(sg=args.sg, vector_size=args.size, window=args.window, min_count=args.min_count,
                           negative=args.negative, epochs=args.epochs, workers=args.workers, seed=args.seed,
                           sample=args.sample)
    quiet = args.json

    def on_epoch(r) -> None:
        if quiet:
            return
        acc = "" if r.analogy_accuracy is None else \
            f"  analogies {100 * r.analogy_accuracy:5.1f} % of {r.analogy_questions}"
        print(f"epoch {r.epoch}/{r.epochs}  loss {r.loss:12.1f}  {r.words_per_s:11,.0f} words/s{acc}",
              flush=True)

    # First Ctrl+C: stop now, keep (and save) the last complete epoch; a second one aborts.
    control = TaskControl()
    previous = None

    def on_sigint(signum, frame):
        if control.cancelled:
            raise KeyboardInterrupt
        control.cancel()
        print("embexplorer: stopping; keeping the last complete epoch (Ctrl+C again to abort)",
              file=sys.stderr, flush=True)

    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, on_sigint)
    def on_warning(text: str) -> None:  # a corpus too small, vectors undertrained: said at once
        print(f"embexplorer: warning: {text}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    try:
        with reading(args.analogies or "", EXPECT_ANALOGIES, (ANALOGIES,)):
            result = train_word2vec_run(corpus, settings, control=control, on_epoch=on_epoch,
                                        analogy_path=args.analogies, top_n_frames=0, source=str(args.corpus),
                                        on_warning=on_warning, analogy_encoding=args.analogies_encoding)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    elapsed = time.perf_counter() - t0
    if args.out:
        save_word2vec(result.embedding, args.out, binary=args.format == "word2vec-binary")
    summary = {
        "corpus": str(args.corpus),
        "corpus_words": result.corpus_words,
        "vocabulary": result.embedding.n,
        "dims": result.embedding.dims,
        "epochs_completed": result.epochs_completed,
        "stopped": result.stopped,
        "seconds": round(elapsed, 3),
        "out": args.out,
        "format": args.format if args.out else None,
        "epochs": [r.as_dict() for r in result.history],
        "warnings": result.warnings,
    }
    if args.json:
        json.dump(summary, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{result.embedding.n:,} words x {result.embedding.dims} dims from {result.corpus_words:,} "
              f"corpus words in {elapsed:.1f} s" + (f"; saved to {args.out}" if args.out else ""))
    if result.stopped:
        print(f"embexplorer: stopped after epoch {result.epochs_completed} of {settings.epochs}",
              file=sys.stderr)
        return EXIT_STOPPED
    return 0
