"""The site document: who this site is and when it was last alive.

Other sites read the heartbeat to decide whether this site's held passes are still in good
hands; a site silent for longer than the stale limit has its passes released.
"""

from __future__ import annotations

from gasp import __version__
from gasp.client.context import ClientContext
from gasp.errors import Conflict
from gasp.model.documents import SiteDocument, site_document, stored

SITE_PREFIX = "site:"


def heartbeat(ctx: ClientContext) -> None:
    doc_id = SITE_PREFIX + ctx.site
    for _attempt in range(10):
        found = ctx.db.get_many([doc_id])[0]
        doc = site_document(found) if found else SiteDocument(_id=doc_id, type="site")
        doc.update(
            {
                "name": ctx.site,
                "client_version": __version__,
                "client": ctx.client_id,
                "backends": [ctx.config.backend.name],
                "software": sorted(ctx.config.software),
                "limits": ctx.config.limits.model_dump(),
                "heartbeat": ctx.now_iso(),
            }
        )
        try:
            ctx.db.put(stored(doc))
            return
        except Conflict:
            continue


def sites(ctx: ClientContext) -> list[SiteDocument]:
    rows = ctx.db.all_docs(startkey=SITE_PREFIX, endkey=SITE_PREFIX + "\ufff0", include_docs=True)
    return [site_document(row.doc) for row in rows if row.doc]
