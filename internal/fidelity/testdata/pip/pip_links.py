"""Print what pip's own index parser finds on pages.

stdin: a JSON list of {"id", "path", "content_type", "url", "project"}.
stdout: a JSON object {id: [link, ...]}, each link as pip's Link and
LinkEvaluator see it. Uses only pip's internals: the point is to be pip.
"""
import json
import sys

from pip._internal.index.collector import IndexContent, parse_links
from pip._internal.index.package_finder import LinkEvaluator
from pip._internal.models.target_python import TargetPython
from pip._vendor.packaging.utils import canonicalize_name


def metadata(link):
    """The metadata file pip would fetch, and its hashes, as {name: hex}."""
    if hasattr(link, "metadata_file_data"):  # pip >= 23.2
        md = link.metadata_file_data
        return None if md is None else (md.hashes or {})
    md = link.dist_info_metadata  # pip < 23.2: the raw attribute or JSON value
    if not md:
        return None
    if isinstance(md, dict):
        return md
    name, sep, value = md.partition("=")
    return {name: value} if sep and md != "true" else {}


def main():
    out = {}
    for job in json.load(sys.stdin):
        with open(job["path"], "rb") as f:
            content = f.read()
        page = IndexContent(content, job["content_type"], "utf-8", job["url"], cache_link_parsing=False)
        ev = LinkEvaluator(
            project_name=job["project"],
            canonical_name=canonicalize_name(job["project"]),
            formats=frozenset({"binary", "source"}),
            target_python=TargetPython(),
            allow_yanked=True,
            ignore_requires_python=False,
        )
        links = []
        for link in parse_links(page):
            kind, detail = ev.evaluate_link(link)
            links.append({
                "filename": link.filename,
                "url": link.url_without_fragment,
                "hashes": dict(link._hashes),
                "requires_python": link.requires_python,
                "yanked_reason": link.yanked_reason,
                "metadata": metadata(link),
                "evaluation": [str(kind), str(detail)],
            })
        out[job["id"]] = links
    json.dump(out, sys.stdout)


main()
