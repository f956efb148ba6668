"""The real-data gate: a development set over public corpora nobody on the team wrote (see ``runner``)."""
