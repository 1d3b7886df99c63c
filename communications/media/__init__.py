"""The media desk: inquiries against reporters' deadlines, responses from statements, coverage."""
