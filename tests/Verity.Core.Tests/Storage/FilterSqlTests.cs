using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

/// <summary>startswith is an index range [prefix, end): end must be the least string above every extension of the prefix.</summary>
public sealed class FilterSqlTests
{
    [Theory]
    [InlineData("abc", "abd")]
    [InlineData("Add user", "Add uses")]
    [InlineData("é", "ê")]
    [InlineData("a\U0010FFFF", "b")]
    [InlineData("\uD7FF", "\uE000")]
    [InlineData("x😀", "x😁")]
    public void Prefix_end_raises_the_last_code_point(string prefix, string end) => Assert.Equal(end, FilterSql.PrefixEnd(prefix));

    [Fact]
    public void A_prefix_of_only_the_highest_code_point_has_no_end() => Assert.Null(FilterSql.PrefixEnd("\U0010FFFF\U0010FFFF"));
}
