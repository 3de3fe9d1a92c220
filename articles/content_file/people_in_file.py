"""The file's people checked against its articles: a name is one person's, and a reviewer is a reviewer.

A check across records of the file on its own (validate.py), before anything
is compared with the site (references.py).
"""

from articles.content_file.schema import Problem


def people_in_file(people, articles):
    """A name is one person's, and an article's reviewer is not a person the file says is no reviewer."""
    problems, by_name = [], {}
    for line, record in people.values():
        if record["name"] in by_name:
            problems.append(
                Problem(
                    line, "name", f"{record['name']!r} is the name of the person on line {by_name[record['name']][0]}"
                )
            )
        by_name.setdefault(record["name"], (line, record))
    for line, record in articles.values():
        named = by_name.get(record["reviewed_by"])
        if named is not None and not named[1]["reviewer"]:
            problems.append(
                Problem(
                    line,
                    "reviewed_by",
                    f"{record['reviewed_by']!r} is not a reviewer (the person on line {named[0]} says reviewer: false)",
                )
            )
    return problems
