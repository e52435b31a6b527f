"""The two ways a dataset command fails: a usage error (exit 2) or problems (exit 1)."""

from __future__ import annotations


class DatasetUsageError(Exception):
    """Input the command cannot start from (a path, an option); its message is one line."""


class DatasetProblems(Exception):
    """What stops a build or fails a verification: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
