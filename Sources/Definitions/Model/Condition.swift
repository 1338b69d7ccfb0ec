public import Expressions

/// A parsed `filter`, `if` or `until` expression. (Named apart from Foundation's `Expression`.)
public typealias Condition = Expressions.Expression
