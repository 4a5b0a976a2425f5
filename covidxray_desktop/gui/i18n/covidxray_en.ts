<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
  <context>
    <name>MainWindow</name>
    <message numerus="yes">
      <source>Take all %n row(s) off the list, including those the filter hides? The results store keeps them; File › Put removed rows back on the list brings them back.</source>
      <translation>
        <numerusform>Take the %n row off the list, even if the filter hides it? The results store keeps it; File › Put removed rows back on the list brings it back.</numerusform>
        <numerusform>Take all %n rows off the list, including those the filter hides? The results store keeps them; File › Put removed rows back on the list brings them back.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n row(s) put back on the list</source>
      <translation>
        <numerusform>%n row put back on the list</numerusform>
        <numerusform>%n rows put back on the list</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n row(s) taken off the list; the results store keeps them (File › Forget stored results before… deletes them)</source>
      <translation>
        <numerusform>%n row taken off the list; the results store keeps it (File › Forget stored results before… deletes it)</numerusform>
        <numerusform>%n rows taken off the list; the results store keeps them (File › Forget stored results before… deletes them)</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%1: %n file(s) skipped (not images, links or unreadable): %2</source>
      <translation>
        <numerusform>%1: %n file skipped (not an image, a link or unreadable): %2</numerusform>
        <numerusform>%1: %n files skipped (not images, links or unreadable): %2</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n film(s) again</source>
      <translation>
        <numerusform>%n film again</numerusform>
        <numerusform>%n films again</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Report written: %1 (%n film page(s))</source>
      <translation>
        <numerusform>Report written: %1 (%n film page)</numerusform>
        <numerusform>Report written: %1 (%n film pages)</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n items</source>
      <translation>
        <numerusform>%n item</numerusform>
        <numerusform>%n items</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n dropped item(s) are not local files and were ignored</source>
      <translation>
        <numerusform>%n dropped item is not a local file and was ignored</numerusform>
        <numerusform>%n dropped items are not local files and were ignored</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n earlier result(s) loaded from the results store</source>
      <translation>
        <numerusform>%n earlier result loaded from the results store</numerusform>
        <numerusform>%n earlier results loaded from the results store</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Delete %n stored result(s) recorded before %1? They cannot be brought back.</source>
      <translation>
        <numerusform>Delete %n stored result recorded before %1? It cannot be brought back.</numerusform>
        <numerusform>Delete %n stored results recorded before %1? They cannot be brought back.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n stored result(s) deleted; they stay in this table until the app restarts</source>
      <translation>
        <numerusform>%n stored result deleted; it stays in this table until the app restarts</numerusform>
        <numerusform>%n stored results deleted; they stay in this table until the app restarts</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Exported %n row(s) to %1</source>
      <translation>
        <numerusform>Exported %n row to %1</numerusform>
        <numerusform>Exported %n rows to %1</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Writing the report of %n film(s)…</source>
      <translation>
        <numerusform>Writing the report of %n film…</numerusform>
        <numerusform>Writing the report of %n films…</numerusform>
      </translation>
    </message>
  </context>
</TS>
