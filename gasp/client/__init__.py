"""The site client: select, claim, launch, monitor, finalize, release.

One cycle (``Client.cycle``) does each step once; ``--loop`` repeats it. Every write of a
pass goes through ``gasp.passes.update_passes``, which reads the job documents, applies an
edit to each pass, writes them back in one bulk request, and retries those that
conflicted; an edit made for a claim carries that claim's token and is refused once the
token is no longer the pass's (fencing). The documents it reads and writes have the
shapes of ``gasp.model.documents``.
"""
