"""Generated files stay in step with their sources."""
import os

from nuvem import coverage
from tests.conftest import REPO
from tools import service_index


def test_service_index_matches_the_pinned_botocore():
    with open(service_index.INDEX_PATH) as f:
        assert f.read() == service_index.render(service_index.build()), \
            "run: .venv/bin/python -m tools.service_index"


def test_coverage_doc_is_current():
    with open(os.path.join(REPO, "docs", "coverage.md")) as f:
        assert f.read() == coverage.render_markdown(), \
            "run: .venv/bin/nuvem coverage --markdown > docs/coverage.md"
