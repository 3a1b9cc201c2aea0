// Compose box edit model (see compose.h).
#include <livescope/overlay/compose.h>

#include <livescope/base/utf8.h>

namespace livescope {

std::size_t ComposeInsert(ComposeModel& m, std::string_view utf8)
{
    const std::string clean = Utf8Sanitize(utf8);
    std::size_t added = 0;
    std::size_t i = 0;
    while (i < clean.size() && m.CodePoints < m.MaxCodePoints)
    {
        const std::size_t next = Utf8Next(clean, i);
        m.Text.append(clean, i, next - i);
        i = next;
        ++m.CodePoints;
        ++added;
    }
    return added;
}

void ComposeSetText(ComposeModel& m, std::string_view utf8)
{
    m.Text.clear();
    m.CodePoints = 0;
    ComposeInsert(m, utf8);
}

bool ComposeBackspace(ComposeModel& m)
{
    if (m.Text.empty())
        return false;
    m.Text.resize(Utf8Prev(m.Text, m.Text.size()));
    m.CodePoints = m.CodePoints > 0 ? m.CodePoints - 1 : 0;
    return true;
}

bool ComposeSubmit(ComposeModel& m, std::string& out)
{
    const std::size_t first = m.Text.find_first_not_of(' ');
    if (first == std::string::npos)
        return false;
    const std::size_t last = m.Text.find_last_not_of(' ');
    out = m.Text.substr(first, last - first + 1);
    m.Text.clear();
    m.CodePoints = 0;
    return true;
}

} // namespace livescope
