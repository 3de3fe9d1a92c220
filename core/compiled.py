"""ORM queries compiled to SQL once per process, then run with fresh parameters.

Building and compiling a queryset costs the ORM about half a millisecond of
Python per query, on every request, for SQL that is the same every time but
for a slug or an id. On the article page that was most of the page's time.
`CompiledQuery` keeps the ORM as the one place a query is written (the
visibility rule stays `Article.objects.published()`): it builds the queryset
once with sentinel values where the parameters go, compiles it, remembers
where the sentinels landed in the parameter list, and from then on only
substitutes the real values and runs the SQL, converting the columns as the
ORM does (dates on SQLite, JSON).

Parameters may be integers or strings, found by type and value: the
sentinels are values no real query uses, and compiling fails loudly if one
is missing from the compiled parameters (an ORM rewrite that dropped or
transformed it), rather than running the wrong SQL.
"""

import weakref

from django.db import DEFAULT_DB_ALIAS, connections

from core.replica import read_alias

_INT_SENTINEL = -7_340_000_000_000
_STR_SENTINEL = "\x00compiled-query-parameter-{}\x00"
_ALL = weakref.WeakSet()


def forget_compiled():
    """Compile every query afresh on its next run (tests that change how the ORM compiles, e.g. the clock)."""
    for query in list(_ALL):
        query._compiled.clear()


class CompiledQuery:
    """`build(*params)` must return a `values_list()` queryset.

    `CompiledQuery(build, kinds)` where `kinds` is a tuple of `int` or `str`,
    one per parameter; `rows(*params)` returns a list of tuples.
    """

    def __init__(self, build, kinds):
        self.build = build
        self.kinds = tuple(kinds)
        self._compiled = {}
        _ALL.add(self)

    def _sentinels(self):
        return [_INT_SENTINEL - i if kind is int else _STR_SENTINEL.format(i) for i, kind in enumerate(self.kinds)]

    def _compile(self, using):
        sentinels = self._sentinels()
        queryset = self.build(*sentinels).using(using)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        slots = []
        for position, value in enumerate(params):
            for index, sentinel in enumerate(sentinels):
                # The backend may wrap a value in a typed subclass (psycopg's
                # Int4 in arithmetic): the real value gets the same wrapper.
                if isinstance(value, type(sentinel)) and not isinstance(value, bool) and value == sentinel:
                    slots.append((position, index, type(value)))
        if sorted({index for _, index, _ in slots}) != list(range(len(sentinels))):
            raise ValueError(f"A parameter did not survive compiling: {sql!r} {params!r}")
        fields = [column for column, _, _ in compiler.select]
        converters = []
        for position, column in enumerate(fields):
            backend = compiler.connection.ops.get_db_converters(column)
            own = column.get_db_converters(compiler.connection)
            if backend or own:
                converters.append((position, backend + own, column))
        return sql, tuple(params), slots, converters

    def rows(self, *params, using=DEFAULT_DB_ALIAS):
        if len(params) != len(self.kinds) or any(type(p) is not k for p, k in zip(params, self.kinds, strict=True)):
            raise TypeError(f"expected parameters of types {self.kinds}, got {params!r}")
        # The default alias means "where this request reads": the replica for readers (core/replica.py).
        using = read_alias(using)
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, template, slots, converters = compiled
        values = list(template)
        for position, index, wrapper in slots:
            values[position] = params[index] if wrapper is int or wrapper is str else wrapper(params[index])
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, functions, column in converters:
                value = row[position]
                for function in functions:
                    value = function(value, column, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted
