public import Diagnostics

/// A problem in an expression's source, found while parsing it or checking its names: the
/// shared ``ColumnError`` (1-based column inside the expression, and a message).
public typealias ExpressionError = ColumnError
