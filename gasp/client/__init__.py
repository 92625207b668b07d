"""The site client: select, claim, launch, monitor, finalize, release.

One cycle (``Client.cycle``) does each step once; ``--loop`` repeats it. Every write goes
through ``passes.update_passes``, which reads the job documents, applies a change to each
pass, writes them back in one bulk request, and retries those that conflicted; a change
made for a claim carries that claim's token and is refused once the token is no longer the
pass's (fencing).
"""
