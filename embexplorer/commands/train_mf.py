"""``embexplorer train-mf DATA``: train the lecture's matrix-factorisation model headless."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from embexplorer.core.errors import DataError

NAME = "train-mf"
HELP = ("Train the lecture's collaborative-filtering model (dot product + biases, sigmoid range, "
        "AdamW with weight decay) on MovieLens ratings, printing training loss and validation "
        "MSE/RMSE after every epoch. DATA is a MovieLens folder, zip or ratings file, or the name of "
        "a downloaded dataset (movielens-100k, ...).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from embexplorer.core.recommender.mf import MFConfig
    from embexplorer.core.recommender.movielens import DEFAULT_TEST_FRACTION, SPLIT_NAMES

    d = MFConfig()
    parser.add_argument("data", metavar="DATA", help="MovieLens folder / zip / ratings file, or dataset name")
    parser.add_argument("--split", choices=SPLIT_NAMES, default=None,
                        help="validation split: ml-100k's official u1..u5, ua, ub, a seeded random "
                             "one, or 'all' (no validation: a final model on every rating) "
                             "(default: u1 where available, else random)")
    parser.add_argument("--test-fraction", type=float, default=None,
                        help=f"share held out by --split random (default {DEFAULT_TEST_FRACTION}); 0 trains "
                             "a final model on all ratings (no held-out split), so that 'recommend' then "
                             "leaves out everything each user rated")
    parser.add_argument("--lecture", action="store_true",
                        help="the lecture's exact settings (batch 64, lr 5e-3, wd 0.1) as defaults")
    parser.add_argument("--factors", type=int, default=None, help=f"latent factors (default {d.n_factors})")
    parser.add_argument("--epochs", type=int, default=None, help=f"epochs (default {d.epochs})")
    parser.add_argument("--lr", type=float, default=None, help=f"peak learning rate (default {d.lr:g})")
    parser.add_argument("--wd", type=float, default=None, help=f"weight decay (default {d.weight_decay:g})")
    parser.add_argument("--batch-size", type=int, default=None, help=f"batch size (default {d.batch_size})")
    parser.add_argument("--y-range", type=float, nargs=2, metavar=("LOW", "HIGH"), default=None,
                        help=f"sigmoid output range (default {d.y_range[0]:g} {d.y_range[1]:g})")
    parser.add_argument("--no-sigmoid", action="store_true", help="plain dot product, no sigmoid range")
    parser.add_argument("--no-bias", action="store_true", help="no user and movie biases")
    parser.add_argument("--sparse", action="store_true",
                        help="lazy AdamW updating only each batch's rows: much faster on large data "
                             "(ml-1m and up), slightly less accurate on ml-100k")
    parser.add_argument("--seed", type=int, default=None, help=f"random seed (default {d.seed})")
    parser.add_argument("--out", metavar="MODEL", help="save the trained model to MODEL (.npz)")
    parser.add_argument("--columns", metavar="MAP", default=None,
                        help="for a ratings table that is not a MovieLens layout: which columns hold what, "
                             "e.g. 'user=userId,item=isbn,rating=3,delimiter=semicolon' (1-based numbers or "
                             "header names); default: guessed from the header")
    parser.add_argument("--encoding", metavar="CODEC", default=None,
                        help="encoding of a ratings table that is not a MovieLens layout (default UTF-8, "
                             "latin-1 where that fails); MovieLens's own files are read in their known "
                             "encodings")


def _split_name(args, splits: list[str]) -> str:
    """The split asked for: ``--test-fraction 0`` is ``all`` (and cannot go with another split)."""
    from embexplorer.core.recommender.movielens import ALL_RATINGS

    if args.test_fraction == 0:
        if args.split not in (None, "random", ALL_RATINGS):
            raise DataError(f"--test-fraction 0 trains on all ratings; it cannot go with "
                            f"--split {args.split}")
        return ALL_RATINGS
    if args.test_fraction is not None and args.split not in (None, "random"):
        raise DataError(f"--test-fraction is the share held out by --split random, not --split {args.split}")
    if args.test_fraction is not None:
        return "random"
    return args.split or ("u1" if "u1" in splits else "random")


def _finite(value):
    """``value`` for JSON: NaN (no validation) becomes null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _resolve_data(spec: str) -> Path:
    from embexplorer.core.data.download import DATASETS, fetch

    path = Path(spec)
    if path.exists() or spec not in DATASETS:
        return path
    return fetch(spec).path


def config_from_args(args):
    """The :class:`MFConfig` described by the command-line options."""
    from embexplorer.core.recommender.mf import MFConfig

    overrides = {}
    for opt, key in (("factors", "n_factors"), ("epochs", "epochs"), ("lr", "lr"), ("wd", "weight_decay"),
                     ("batch_size", "batch_size"), ("seed", "seed")):
        value = getattr(args, opt)
        if value is not None:
            overrides[key] = value
    if args.y_range is not None:
        overrides["y_range"] = tuple(args.y_range)
    if args.no_sigmoid:
        overrides["y_range"] = None
    if args.no_bias:
        overrides["use_bias"] = False
    if args.sparse:
        overrides["sparse"] = True
    config = MFConfig.lecture(**overrides) if args.lecture else MFConfig(**overrides)
    try:
        config.validate()
    except ValueError as err:
        raise DataError(str(err)) from None
    return config


def run(args) -> int:
    from embexplorer.commands._filekind import EXPECT_RATINGS, MOVIELENS, RATINGS, expect, reading
    from embexplorer.core.recommender.mf import train
    from embexplorer.core.recommender.movielens import (
        ALL_RATINGS,
        DEFAULT_TEST_FRACTION,
        NeedsColumnMapping,
        available_splits,
        describe_mapping,
        load_movielens,
        parse_column_mapping,
        split_ratings,
    )

    config = config_from_args(args)
    path = _resolve_data(args.data)
    if not args.columns:  # with --columns the user says it is a table: let the reader judge
        expect(path, EXPECT_RATINGS, (RATINGS, MOVIELENS, "text", "archive", "folder", "empty"))
    with reading(path, EXPECT_RATINGS, (RATINGS, MOVIELENS)):
        if args.columns:
            mapping = parse_column_mapping(args.columns)
            if args.encoding:
                mapping.setdefault("encoding", args.encoding)
            data = load_movielens(path, mapping=mapping)
        else:
            try:
                data = load_movielens(path)
            except NeedsColumnMapping as err:  # a generic ratings table: read with the guessed columns
                if err.guess is None:
                    raise
                guess = {**err.guess, "encoding": args.encoding} if args.encoding else err.guess
                data = load_movielens(path, mapping=guess)  # a bad table fails here: one error line
                print(f"embexplorer: read {path} as a ratings table: {describe_mapping(err.guess)} "
                      "(choose others with --columns)", file=sys.stderr)
    for w in data.warnings:
        print(f"embexplorer: warning: {w}", file=sys.stderr)
    splits = available_splits(data)
    split_name = _split_name(args, splits)
    try:
        split = split_ratings(data, split_name, seed=config.seed,
                              test_fraction=DEFAULT_TEST_FRACTION if args.test_fraction is None
                              else args.test_fraction)
    except ValueError as err:
        raise DataError(str(err)) from None
    split_name = split.name
    if not args.json:
        held = ("all ratings train, none held out (no validation)" if split_name == ALL_RATINGS
                else f"{len(split.train):,} train / {len(split.test):,} test")
        print(f"{data.source}: {len(data):,} ratings, {data.n_users:,} users, {data.n_items:,} items; "
              f"split {split_name}: {held}")
        print(f"{config.n_factors} factors, {config.epochs} epochs, lr {config.lr:g}, "
              f"wd {config.weight_decay:g}, batch {config.batch_size}, y_range {config.y_range}, "
              f"biases {'on' if config.use_bias else 'off'}, seed {config.seed}", flush=True)

    def on_epoch(stats, _model) -> None:
        if not args.json:
            valid = ("no validation" if math.isnan(stats.valid_mse)
                     else f"valid MSE {stats.valid_mse:.4f}  RMSE {stats.valid_rmse:.4f}")
            print(f"epoch {stats.epoch}/{stats.epochs}  train loss {stats.train_loss:.4f}  "
                  f"{valid}  {stats.seconds:.2f} s", flush=True)

    model = train(data, config, split.train, split.test, on_epoch=on_epoch)
    model.info["split"] = split_name
    if args.out:
        model.save(args.out)
    last = model.history[-1]
    if args.json:
        print(json.dumps({"data": data.source, "n_ratings": len(data), "n_users": data.n_users,
                          "n_items": data.n_items, "split": split_name, "n_train": len(split.train),
                          "n_test": len(split.test), "config": config.to_json(),
                          "epochs": [{k: _finite(v) for k, v in h.to_json().items()} for h in model.history],
                          "valid_mse": _finite(last.valid_mse), "valid_rmse": _finite(last.valid_rmse),
                          "train_seconds": model.info["train_seconds"], "out": args.out,
                          "warnings": data.warnings}))
    else:
        valid = ("a final model on all ratings (no validation)" if split_name == ALL_RATINGS
                 else f"valid RMSE {last.valid_rmse:.4f}")
        print(f"trained in {model.info['train_seconds']:.2f} s: {valid}"
              + (f"; model saved to {args.out}" if args.out else ""))
    return 0
