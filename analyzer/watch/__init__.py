"""Weekly watch of published agreements: the sources file (sources), fetching (fetch), the
version history (history), what changed between versions (diff), the digest and Atom feed
(digest), and the run that ties them together (run)."""
