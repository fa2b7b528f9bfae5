"""``embexplorer recommend MODEL --user ID``: top-N movies for a user of a trained model."""

from __future__ import annotations

import argparse
import json

from embexplorer.core.errors import DataError

NAME = "recommend"
HELP = ("Recommend movies for a user of a model saved by 'embexplorer train-mf --out', optionally "
        "explaining each score (user bias, movie bias, dot product, top factors).")

#: Default number of recommendations.
DEFAULT_N = 10
#: Factors listed per explained score.
EXPLAIN_TOP_FACTORS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file (.npz) written by train-mf --out")
    parser.add_argument("--user", required=True, metavar="ID", help="user id as in the ratings file")
    parser.add_argument("-n", type=int, default=DEFAULT_N, help=f"how many (default {DEFAULT_N})")
    parser.add_argument("--include-seen", action="store_true", help="also list movies the user rated")
    parser.add_argument("--explain", action="store_true", help="decompose every score")


def run(args) -> int:
    from embexplorer.core.recommender.mf import MFModel

    if args.n < 1:
        raise DataError(f"-n must be at least 1, got {args.n}")
    from embexplorer.commands._filekind import EXPECT_MODEL, MODEL, expect

    expect(args.model, EXPECT_MODEL, (MODEL,))  # e.g. an embedding or ratings file given by mistake
    model = MFModel.load(args.model)
    try:
        user = model.user_row(args.user)
    except KeyError:
        raise DataError(f"no user {args.user!r} in this model ({model.n_users:,} users)",
                        args.model) from None
    recs = model.recommend(user, args.n, exclude_seen=not args.include_seen)
    seen_items, seen_ratings = model.seen(user)
    seen = dict(zip(seen_items.tolist(), seen_ratings.tolist()))
    genres = model.item_meta.get("genres", [""] * model.n_items)
    rows = []
    for rank, (item, score) in enumerate(recs, start=1):
        row = {"rank": rank, "item_id": model.item_ids[item], "title": model.titles[item],
               "genres": genres[item], "score": score, "rated": seen.get(item)}
        if args.explain:
            row["explanation"] = model.decompose(user, item, EXPLAIN_TOP_FACTORS).to_json()
        rows.append(row)
    if args.json:
        info = {k: model.user_meta[k][user] for k in ("age", "gender", "occupation") if k in model.user_meta}
        info = {k: (float(v) if k == "age" else v) for k, v in info.items()}
        print(json.dumps({"model": args.model, "user": args.user, "user_info": info,
                          "n_rated": len(seen), "include_seen": args.include_seen, "recommendations": rows}))
        return 0
    about = ", ".join(f"{k} {model.user_meta[k][user]:g}" if k == "age" else f"{model.user_meta[k][user]}"
                      for k in ("age", "gender", "occupation") if k in model.user_meta)
    print(f"user {args.user}" + (f" ({about})" if about else "") + f": {len(seen)} ratings in training")
    for row in rows:
        rated = f"  [rated {row['rated']:g}]" if row["rated"] is not None else ""
        print(f"{row['rank']:3d}. {row['score']:.2f}  {row['title'] or row['item_id']}"
              + (f"  ({row['genres']})" if row["genres"] else "") + rated)
        if args.explain:
            e = row["explanation"]
            t = e["rating_terms"]
            factors = ", ".join(f"#{f} {c:+.2f}" for f, c in e["top_factors"])
            print(f"       = {e['baseline']:.2f} (baseline) {t['user_bias']:+.2f} (user bias) "
                  f"{t['item_bias']:+.2f} (movie bias) {t['dot']:+.2f} (taste: dot product)"
                  f"   [logit {e['logit']:+.2f}; top factors {factors}]")
    return 0
