<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name>App</name>
    <message>
      <source>The results store is %1.</source>
      <translation>结果库位于 %1。</translation>
    </message>
    <message>
      <source>Once that file is moved elsewhere (keep it: it holds the results so far), the app starts with a new, empty one.</source>
      <translation>将该文件移到别处后（请保留它：其中保存着至今的全部结果），本应用会以一个新的空结果库启动。</translation>
    </message>
  </context>
  <context>
    <name>Curves</name>
    <message>
      <source>train loss</source>
      <translation>训练损失</translation>
    </message>
    <message>
      <source>train accuracy</source>
      <translation>训练准确率</translation>
    </message>
    <message>
      <source>val AUC</source>
      <translation>验证 AUC</translation>
    </message>
    <message>
      <source>val loss</source>
      <translation>验证损失</translation>
    </message>
    <message>
      <source>Training curves</source>
      <translation>训练曲线</translation>
    </message>
    <message>
      <source>epoch</source>
      <translation>轮次</translation>
    </message>
    <message>
      <source>value</source>
      <translation>数值</translation>
    </message>
    <message>
      <source>Curves appear after the first epoch.</source>
      <translation>第一轮结束后显示曲线。</translation>
    </message>
  </context>
  <context>
    <name>DropHint</name>
    <message>
      <source>Drop to classify</source>
      <translation>松开鼠标即开始分类</translation>
    </message>
    <message>
      <source>Drop X-ray files or folders here
(PNG, JPEG, TIFF, BMP, DICOM)</source>
      <translation>将 X 光文件或文件夹拖放到这里
（PNG、JPEG、TIFF、BMP、DICOM）</translation>
    </message>
    <message>
      <source>Loading the model: %1. The first start can take several seconds on a small PC; files dropped now wait for it.</source>
      <translation>正在加载模型：%1。在配置较低的电脑上首次启动可能需要几秒钟；现在拖入的文件会等待它。</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Its figures are for its own site&apos;s check films; at another hospital it may do worse. Check it there first (Tools ▸ Check the model on my films).</source>
      <translation>其数据来自本院的检验影像；在其他医院它的表现可能更差。请先在那里检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>Close to the threshold: read this film yourself.</source>
      <translation>接近阈值：请您亲自判读此影像。</translation>
    </message>
    <message>
      <source>adults, NIH (USA)</source>
      <translation>成人，美国 NIH</translation>
    </message>
    <message>
      <source>adults, NIH films read by RSNA radiologists (USA)</source>
      <translation>成人，经 RSNA 放射科医师判读的 NIH 影像（美国）</translation>
    </message>
    <message>
      <source>children aged 1 to 5 (Guangzhou)</source>
      <translation>1 至 5 岁儿童（广州）</translation>
    </message>
    <message>
      <source>scanned films (Japan)</source>
      <translation>扫描胶片（日本）</translation>
    </message>
    <message>
      <source>teaching films</source>
      <translation>教学影像</translation>
    </message>
    <message>
      <source>COVID-19 figures from journals and the web</source>
      <translation>来自期刊和网络的新冠肺炎图片</translation>
    </message>
    <message>
      <source>COVID-19 collection, many journal figures</source>
      <translation>新冠肺炎影像集，多为期刊图片</translation>
    </message>
    <message>
      <source>one hospital&apos;s intensive-care films (Hannover)</source>
      <translation>一家医院的重症监护影像（汉诺威）</translation>
    </message>
    <message>
      <source>What it cannot tell</source>
      <translation>它的局限</translation>
    </message>
    <message>
      <source>It knows only COVID-19 and Normal, and cannot tell COVID-19 from other pneumonias: in its tests it called %1 of %2 films of other pneumonias (bacterial, viral, Pneumocystis, ARDS) COVID-19.</source>
      <translation>它只认识新冠肺炎和正常两类，无法区分新冠肺炎与其他肺炎：测试中，其他肺炎（细菌性、病毒性、肺孢子菌、ARDS）的 %2 张影像中有 %1 张被判为新冠肺炎。</translation>
    </message>
    <message>
      <source>It knows only COVID-19 and Normal, and cannot tell COVID-19 from other pneumonias.</source>
      <translation>它只认识新冠肺炎和正常两类，无法区分新冠肺炎与其他肺炎。</translation>
    </message>
    <message>
      <source>Its test figures are for new patients of the collections it learnt from; at a hospital it never saw, it called more healthy adults COVID-19. Check it on your own labelled films first (Tools ▸ Check the model on my films).</source>
      <translation>其测试数据来自它学习过的数据集中的新患者；在它从未见过的医院，它把更多健康成人判为新冠肺炎。请先用本院已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>It cannot tell COVID-19 from other pneumonias.</source>
      <translation>它无法区分新冠肺炎与其他肺炎。</translation>
    </message>
    <message>
      <source>No stored result was recorded before %1.</source>
      <translation>%1 之前没有保存的结果。</translation>
    </message>
    <message numerus="yes">
      <source>Delete %n stored result(s) recorded before %1? They cannot be brought back.</source>
      <translation>
        <numerusform>删除 %1 之前保存的 %n 条结果？删除后无法恢复。</numerusform>
      </translation>
    </message>
    <message>
      <source>test films (unseen patients)</source>
      <translation>测试影像（未见过的患者）</translation>
    </message>
    <message>
      <source>validation films</source>
      <translation>验证影像</translation>
    </message>
    <message>
      <source>held-out sources</source>
      <translation>留出的数据来源</translation>
    </message>
    <message>
      <source>left out of training</source>
      <translation>未参与训练的来源</translation>
    </message>
    <message>
      <source>Left out of training: the same network trained without that source, then judged on all its films, as a hospital it never saw would be. A population it never learnt from can be judged very wrongly: with the children's films left out, children were called COVID-19.</source>
      <translation>未参与训练的来源：同样的网络在不含该来源的数据上训练，再用该来源的全部影像评估，如同一家从未见过的医院。模型从未学过的人群可能被严重误判：训练时去掉儿童影像后，儿童被判为 COVID-19。</translation>
    </message>
    <message>
      <source>your site</source>
      <translation>本院</translation>
    </message>
    <message>
      <source>It finds the lung fields first and judges only them; markers, text and borders outside the lungs are dimmed.</source>
      <translation>它先找出肺野，只依据肺野作判断；肺野以外的标记、文字和边框会被调暗。</translation>
    </message>
    <message>
      <source>It judges the whole film; it finds the lung fields to check that the film is a frontal chest X-ray and to draw its heat map on them.</source>
      <translation>它依据整张影像作判断；它找出肺野，用来确认影像是正位胸片，并把热图画在肺野上。</translation>
    </message>
    <message>
      <source>It judges the whole film.</source>
      <translation>它依据整张影像作判断。</translation>
    </message>
    <message>
      <source>Films it cannot judge (not two lung fields, unlike anything it learnt from, rotated) are refused, not labelled.</source>
      <translation>无法判断的影像（找不到两侧肺野、与所学影像完全不同、被旋转）会被拒绝，不给出标签。</translation>
    </message>
    <message>
      <source>About this model</source>
      <translation>关于此模型</translation>
    </message>
    <message>
      <source>Forget stored results</source>
      <translation>删除保存的结果</translation>
    </message>
    <message>
      <source>Delete results recorded before (YYYY-MM-DD):</source>
      <translation>删除此日期之前记录的结果（YYYY-MM-DD）：</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;Open files…</source>
      <translation>打开文件(&amp;O)…</translation>
    </message>
    <message>
      <source>Open &amp;folder…</source>
      <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
      <source>Export &amp;CSV…</source>
      <translation>导出 CSV(&amp;C)…</translation>
    </message>
    <message>
      <source>Export &amp;PDF report…</source>
      <translation>导出 PDF 报告(&amp;P)…</translation>
    </message>
    <message>
      <source>&amp;Anonymise exports</source>
      <translation>匿名化导出(&amp;A)</translation>
    </message>
    <message>
      <source>&amp;Remove the selected rows from the list</source>
      <translation>从列表中移除所选行(&amp;R)</translation>
    </message>
    <message>
      <source>Clear the &amp;list…</source>
      <translation>清空列表(&amp;L)…</translation>
    </message>
    <message numerus="yes">
      <source>Take all %n row(s) off the list, including those the filter hides? The results store keeps them; File › Put removed rows back on the list brings them back.</source>
      <translation>
        <numerusform>要从列表中移除全部 %n 行（包括被筛选隐藏的行）吗？结果库仍保留它们；“文件 › 将移除的行放回列表”可将其放回。</numerusform>
      </translation>
    </message>
    <message>
      <source>%1 is classified, but would not be offered again if the app stopped before it ends: %2</source>
      <translation>%1 仍在分类，但如果应用在完成前停止，下次将不会再提供继续：%2</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>退出(&amp;Q)</translation>
    </message>
    <message>
      <source>&amp;Language</source>
      <translation>语言(&amp;L)</translation>
    </message>
    <message>
      <source>Results</source>
      <translation>结果</translation>
    </message>
    <message>
      <source>Another covidxray window has these results open; the batches it runs are its own.</source>
      <translation>另一个 covidxray 窗口已打开这些结果；它运行的批次由它自己处理。</translation>
    </message>
    <message>
      <source>%1 is a results store, which keeps results; it is not overwritten. Choose another file.</source>
      <translation>%1 是一个保存结果的结果库，不会被覆盖。请选择其他文件。</translation>
    </message>
    <message>
      <source>%1 is a database; it is not overwritten. Choose another file.</source>
      <translation>%1 是一个数据库，不会被覆盖。请选择其他文件。</translation>
    </message>
    <message>
      <source>%1 is a file on the list; it is not overwritten. Choose another file.</source>
      <translation>%1 是列表中的文件，不会被覆盖。请选择其他文件。</translation>
    </message>
    <message>
      <source>%1 is the results store, which keeps every result; it is not overwritten. Choose another file.</source>
      <translation>%1 是保存全部结果的结果库，不会被覆盖。请选择其他文件。</translation>
    </message>
    <message>
      <source>%1 is a file of the model in use; it is not overwritten. Choose another file.</source>
      <translation>%1 是当前所用模型的文件，不会被覆盖。请选择其他文件。</translation>
    </message>
    <message>
      <source>%1 is an X-ray on the list or another image; it is not overwritten. Choose another file.</source>
      <translation>%1 是列表中的 X 光影像或其他图像，不会被覆盖。请选择其他文件。</translation>
    </message>
    <message>
      <source>%1 is in the bundled model's folder, which is never written. Choose another folder.</source>
      <translation>%1 位于内置模型的文件夹中，该文件夹从不写入。请选择其他文件夹。</translation>
    </message>
    <message>
      <source>Put removed rows &amp;back on the list</source>
      <translation>将移除的行放回列表(&amp;B)</translation>
    </message>
    <message numerus="yes">
      <source>%n row(s) put back on the list</source>
      <translation>
        <numerusform>已将 %n 行放回列表</numerusform>
      </translation>
    </message>
    <message>
      <source>No row was taken off the list; there is nothing to put back.</source>
      <translation>没有从列表中移除过任何行，无需放回。</translation>
    </message>
    <message>
      <source>Clear the list</source>
      <translation>清空列表</translation>
    </message>
    <message>
      <source>Remove from the list</source>
      <translation>从列表中移除</translation>
    </message>
    <message numerus="yes">
      <source>%n row(s) taken off the list; the results store keeps them (File › Forget stored results before… deletes them)</source>
      <translation>
        <numerusform>已从列表中移除 %n 行；结果库仍保留它们（可用“文件 › 删除此日期之前保存的结果…”删除）</numerusform>
      </translation>
    </message>
    <message>
      <source>Forget s&amp;tored results before…</source>
      <translation>删除此日期之前保存的结果(&amp;T)…</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>退出</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>视图(&amp;V)</translation>
    </message>
    <message>
      <source>&amp;Heat map</source>
      <translation>热力图(&amp;H)</translation>
    </message>
    <message>
      <source>&amp;Invert</source>
      <translation>反相(&amp;I)</translation>
    </message>
    <message>
      <source>&amp;Fit</source>
      <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;Actual size</source>
      <translation>实际大小(&amp;A)</translation>
    </message>
    <message>
      <source>Reset &amp;window/level</source>
      <translation>重置窗宽/窗位(&amp;W)</translation>
    </message>
    <message>
      <source>&amp;Next rows</source>
      <translation>向下翻页(&amp;N)</translation>
    </message>
    <message>
      <source>&amp;Previous rows</source>
      <translation>向上翻页(&amp;P)</translation>
    </message>
    <message>
      <source>&amp;Model</source>
      <translation>模型(&amp;M)</translation>
    </message>
    <message>
      <source>&amp;Open bundle…</source>
      <translation>打开模型包(&amp;O)…</translation>
    </message>
    <message>
      <source>Use the bundled &amp;default model</source>
      <translation>使用内置默认模型(&amp;D)</translation>
    </message>
    <message>
      <source>&amp;Classify the selected films again with the current model</source>
      <translation>用当前模型重新分类所选影像(&amp;C)</translation>
    </message>
    <message>
      <source>Export CSV of the selected results…</source>
      <translation>导出所选结果的 CSV…</translation>
    </message>
    <message>
      <source>PDF report of the selected results…</source>
      <translation>所选结果的 PDF 报告…</translation>
    </message>
    <message>
      <source>&amp;About this model…</source>
      <translation>关于此模型(&amp;A)…</translation>
    </message>
    <message>
      <source>&amp;Tools</source>
      <translation>工具(&amp;T)</translation>
    </message>
    <message>
      <source>&amp;Check the model on my films…</source>
      <translation>用本院影像检验模型(&amp;C)…</translation>
    </message>
    <message>
      <source>&amp;Train or adapt a model…</source>
      <translation>训练或适配模型(&amp;T)…</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>&amp;System language</source>
      <translation>系统语言(&amp;S)</translation>
    </message>
    <message>
      <source>&amp;About…</source>
      <translation>关于(&amp;A)…</translation>
    </message>
    <message>
      <source>loading model…</source>
      <translation>正在加载模型…</translation>
    </message>
    <message>
      <source>starting</source>
      <translation>正在启动</translation>
    </message>
    <message>
      <source>checking %1</source>
      <translation>正在检查 %1</translation>
    </message>
    <message>
      <source>starting %1</source>
      <translation>正在启动 %1</translation>
    </message>
    <message>
      <source>All labels</source>
      <translation>全部标签</translation>
    </message>
    <message>
      <source>COVID-19</source>
      <translation>新冠肺炎</translation>
    </message>
    <message>
      <source>Normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>Any status</source>
      <translation>任何状态</translation>
    </message>
    <message>
      <source>ok</source>
      <translation>已判读</translation>
    </message>
    <message>
      <source>refused</source>
      <translation>已拒绝</translation>
    </message>
    <message>
      <source>Decision threshold on P(COVID) for the current model's results; results of other models keep their own model's threshold</source>
      <translation>当前模型结果所用的 P(COVID) 判定阈值；其他模型的结果保留其各自模型的阈值</translation>
    </message>
    <message numerus="yes">
      <source>%1: %n file(s) skipped (not images, links or unreadable): %2</source>
      <translation>
        <numerusform>%1：跳过了 %n 个文件（不是影像、是链接或无法读取）：%2</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n film(s) again</source>
      <translation>
        <numerusform>重新分类 %n 张影像</numerusform>
      </translation>
    </message>
    <message>
      <source>Export</source>
      <translation>导出</translation>
    </message>
    <message numerus="yes">
      <source>Report written: %1 (%n film page(s))</source>
      <translation>
        <numerusform>报告已写入：%1（%n 页影像）</numerusform>
      </translation>
    </message>
    <message>
      <source>Model %1 · at %6, on %5 test films: AUC %2 · sensitivity %3 · specificity %4</source>
      <translation>模型 %1 · %6，在 %5 张测试影像上：AUC %2 · 敏感度 %3 · 特异度 %4</translation>
    </message>
    <message>
      <source>A batch is still running. Quit anyway? What is left is offered again next time.</source>
      <translation>仍有批次在运行。仍要退出吗？剩余部分会在下次启动时再次提供。</translation>
    </message>
    <message>
      <source>A model is being trained or adapted. Quitting stops it, and nothing of it is saved. Quit anyway?</source>
      <translation>正在训练或适配模型。退出会停止该任务，且不会保存任何结果。仍要退出吗？</translation>
    </message>
    <message>
      <source>error</source>
      <translation>错误</translation>
    </message>
    <message>
      <source>Filter by file, folder, message or patient ID</source>
      <translation>按文件、文件夹、消息或患者 ID 筛选</translation>
    </message>
    <message>
      <source>Threshold</source>
      <translation>阈值</translation>
    </message>
    <message numerus="yes">
      <source>%n items</source>
      <translation>
        <numerusform>%n 项</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n dropped item(s) are not local files and were ignored</source>
      <translation>
        <numerusform>%n 个拖入的项目不是本地文件，已忽略</numerusform>
      </translation>
    </message>
    <message>
      <source>Nothing to classify in what was dropped</source>
      <translation>拖入的内容中没有可分类的文件</translation>
    </message>
    <message>
      <source>Something went wrong</source>
      <translation>出错了</translation>
    </message>
    <message>
      <source>A batch stopped: %1</source>
      <translation>一个批次已停止：%1</translation>
    </message>
    <message numerus="yes">
      <source>%n earlier result(s) loaded from the results store</source>
      <translation>
        <numerusform>已从结果库载入 %n 条以往结果</numerusform>
      </translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>加载中…</translation>
    </message>
    <message>
      <source>Research use only, not a diagnostic device.</source>
      <translation>仅供研究使用，不是诊断设备。</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>模型</translation>
    </message>
    <message>
      <source>The previous model stays active.</source>
      <translation>之前的模型仍在使用。</translation>
    </message>
    <message>
      <source>No model is active.</source>
      <translation>当前没有可用的模型。</translation>
    </message>
    <message>
      <source>no model</source>
      <translation>无模型</translation>
    </message>
    <message>
      <source>threshold %1</source>
      <translation>阈值 %1</translation>
    </message>
    <message>
      <source>model %1</source>
      <translation>模型 %1</translation>
    </message>
    <message>
      <source>patient %1</source>
      <translation>患者 %1</translation>
    </message>
    <message>
      <source>Where the model found evidence: orange for COVID-19, blue for Normal. Its answer: %1.</source>
      <translation>模型找到依据的位置：橙色支持新冠肺炎，蓝色支持正常。它的回答：%1。</translation>
    </message>
    <message>
      <source>Unfinished queue</source>
      <translation>未完成的队列</translation>
    </message>
    <message numerus="yes">
      <source>%n stored result(s) deleted, and taken off the list</source>
      <translation>
        <numerusform>已删除 %n 条保存的结果，并已从列表中移除</numerusform>
      </translation>
    </message>
    <message>
      <source>Open X-ray files</source>
      <translation>打开 X 光文件</translation>
    </message>
    <message>
      <source>X-rays (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.jp2 *.webp *.dcm *.dicom);;All files (*)</source>
      <translation>X 光片 (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.jp2 *.webp *.dcm *.dicom);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Open a folder of X-rays</source>
      <translation>打开 X 光片文件夹</translation>
    </message>
    <message>
      <source>Open a model bundle</source>
      <translation>打开模型包</translation>
    </message>
    <message>
      <source>Model bundles (*.keras)</source>
      <translation>模型包 (*.keras)</translation>
    </message>
    <message>
      <source>About</source>
      <translation>关于</translation>
    </message>
    <message>
      <source>Reads chest X-rays and says COVID-19 or Normal, with a probability and a heat map.</source>
      <translation>读取胸部 X 光片，判断 COVID-19 或正常，并给出概率和热力图。</translation>
    </message>
    <message>
      <source>The new language applies when the app starts. Restart it now? (Queued work is offered again.)</source>
      <translation>新语言在程序启动时生效。现在重启吗？（排队中的工作会再次提供。）</translation>
    </message>
    <message>
      <source>Export CSV</source>
      <translation>导出 CSV</translation>
    </message>
    <message>
      <source>Export PDF report</source>
      <translation>导出 PDF 报告</translation>
    </message>
    <message>
      <source>Nothing to export</source>
      <translation>没有可导出的内容</translation>
    </message>
    <message numerus="yes">
      <source>Exporting %n row(s)…</source>
      <translation>
        <numerusform>正在导出 %n 行…</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Exported %n row(s) to %1</source>
      <translation>
        <numerusform>已将 %n 行导出到 %1</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Writing the report of %n film(s)…</source>
      <translation>
        <numerusform>正在写入 %n 张影像的报告…</numerusform>
      </translation>
    </message>
    <message>
      <source>How well it did</source>
      <translation>表现如何</translation>
    </message>
    <message>
      <source>What it learnt from</source>
      <translation>学习所用的数据</translation>
    </message>
    <message>
      <source>How it looks at a film</source>
      <translation>它如何看一张影像</translation>
    </message>
    <message>
      <source>Sources</source>
      <translation>数据来源</translation>
    </message>
    <message>
      <source>Trained</source>
      <translation>训练于</translation>
    </message>
    <message>
      <source>on</source>
      <translation>设备</translation>
    </message>
    <message>
      <source>epochs</source>
      <translation>轮</translation>
    </message>
    <message>
      <source>Adapted from</source>
      <translation>适配自</translation>
    </message>
    <message>
      <source>Before that, adapted from</source>
      <translation>此前适配自</translation>
    </message>
    <message>
      <source>First trained</source>
      <translation>最初训练于</translation>
    </message>
    <message>
      <source>on the films of</source>
      <translation>所用影像</translation>
    </message>
    <message>
      <source>File</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>Says COVID-19 or Normal for a frontal chest X-ray, with a calibrated probability.</source>
      <translation>对正位胸部 X 光片给出“新冠肺炎”或“正常”，并附校准后的概率。</translation>
    </message>
    <message>
      <source>Default operating point</source>
      <translation>默认工作点</translation>
    </message>
    <message>
      <source>%1, at the point in force: %2 (threshold %3)</source>
      <translation>%1，当前工作点：%2（阈值 %3）</translation>
    </message>
    <message>
      <source>test films</source>
      <translation>测试影像</translation>
    </message>
    <message>
      <source>your site's check films</source>
      <translation>本院检验影像</translation>
    </message>
    <message>
      <source>Sensitivity and specificity at the default operating point, unless a row names another.</source>
      <translation>除非某行注明其他工作点，敏感度和特异度均为默认工作点下的数值。</translation>
    </message>
    <message>
      <source>sensitivity</source>
      <translation>敏感度</translation>
    </message>
    <message>
      <source>specificity</source>
      <translation>特异度</translation>
    </message>
    <message>
      <source>Model %1 · at %6, on %5 check films of its site: AUC %2 · sensitivity %3 · specificity %4</source>
      <translation>模型 %1 · %6，在本院 %5 张检验影像上：AUC %2 · 敏感度 %3 · 特异度 %4</translation>
    </message>
    <message>
      <source>Report: %v of %m films</source>
      <translation>报告：%v / %m 张影像</translation>
    </message>
    <message>
      <source>this model: your site's check films (unseen in adaptation)</source>
      <translation>本模型：本院检验影像（适配时未用）</translation>
    </message>
    <message>
      <source>the model it was adapted from, on the same films</source>
      <translation>其来源模型，同一批影像</translation>
    </message>
    <message>
      <source>the model it was adapted from</source>
      <translation>其来源模型</translation>
    </message>
    <message>
      <source>Not finished when the app last closed: films %1 (classified %3, left %4), batches %2. Resume them? The classified films are taken from the results store.</source>
      <translation>上次关闭程序时，%2 个批次中的 %1 张影像尚未完成：%3 张已分类，还剩 %4 张。是否继续？已分类的影像从结果库中取回。</translation>
    </message>
    <message>
      <source>Latest result per film</source>
      <translation>每张影像只看最新结果</translation>
    </message>
    <message>
      <source>A film classified by several models (Classify again): show only its newest result</source>
      <translation>一张影像由多个模型分类（重新分类）时，只显示其最新结果</translation>
    </message>
    <message>
      <source>Delete the results recorded before this day:</source>
      <translation>删除此日期之前记录的结果：</translation>
    </message>
    <message>
      <source>Most of the evidence for this answer (%1 %) lies outside the lung fields, where the map is not drawn: the answer may rest on something else there (markers, borders, devices).</source>
      <translation>此结论的大部分依据（%1 %）位于肺野之外，而热图只画在肺野内：结论可能依据的是别处的东西（标记、边框、器械）。</translation>
    </message>
      <message>
      <source>Operating point</source>
      <translation>工作点</translation>
    </message>
    <message>
      <source>Operating points</source>
      <translation>工作点</translation>
    </message>
    <message>
      <source>Balanced</source>
      <translation>均衡</translation>
    </message>
    <message>
      <source>Screening</source>
      <translation>筛查</translation>
    </message>
    <message>
      <source>Custom</source>
      <translation>自定义</translation>
    </message>
    <message>
      <source>Model's own</source>
      <translation>模型自带</translation>
    </message>
    <message>
      <source>Balanced: keeps sensitivity at 0.90 or more and labels right as many films as it can in the population it serves worst. Screening: sensitivity 0.95 or more, at the cost of more normal films called COVID-19. Custom: a threshold set by hand.</source>
      <translation>均衡：敏感度保持在 0.90 或以上，并让表现最差的人群中判定正确的影像尽可能多。筛查：敏感度 0.95 或以上，代价是更多正常影像被判为新冠肺炎。自定义：手动设置的阈值。</translation>
    </message>
    <message>
      <source>threshold</source>
      <translation>阈值</translation>
    </message>
    <message>
      <source>Share of the films labelled right, per population, on the test films</source>
      <translation>各人群的测试影像中判定正确的比例</translation>
    </message>
    <message>
      <source>Share of the films labelled right, per population, on the site's check films</source>
      <translation>各人群的本院核查影像中判定正确的比例</translation>
    </message>
    <message>
      <source>In force now: %1 (threshold %2).</source>
      <translation>当前使用：%1（阈值 %2）。</translation>
    </message>
</context>
  <context>
    <name>Messages</name>
    <message>
      <source>No films were found in those folders.</source>
      <translation>这些文件夹中没有找到影像。</translation>
    </message>
    <message>
      <source>{name}: a {kind} image, not a results store; it was left as it is.</source>
      <translation>{name}：这是 {kind} 影像，不是结果库；它保持原样。</translation>
    </message>
    <message>
      <source>CPU ({count} cores)</source>
      <translation>处理器（{count} 核）</translation>
    </message>
    <message>
      <source>{name}: no such model; give the path of a .keras model file (its card {card} lies beside it).</source>
      <translation>{name}：没有这个模型；请给出 .keras 模型文件的路径（其模型卡 {card} 与它放在一起）。</translation>
    </message>
    <message>
      <source>{name}: model card not found next to {model}.</source>
      <translation>{name}：在 {model} 旁边找不到模型卡。</translation>
    </message>
    <message>
      <source>{name}: model card is not readable JSON ({why}).</source>
      <translation>{name}：模型卡不是可读取的 JSON（{why}）。</translation>
    </message>
    <message>
      <source>{name}: model file not found.</source>
      <translation>{name}：找不到模型文件。</translation>
    </message>
    <message>
      <source>{name}: the file does not match its model card (sha256 differs); it was changed or damaged - reinstall or retrain it.</source>
      <translation>{name}：此文件与其模型卡不符（sha256 不同）；它已被改动或损坏——请重新安装或重新训练。</translation>
    </message>
    <message>
      <source>{name}: not a Keras model archive ({why}).</source>
      <translation>{name}：不是 Keras 模型归档（{why}）。</translation>
    </message>
    <message>
      <source>{name}: not a model bundle (expected a .keras file with its .json card).</source>
      <translation>{name}：不是模型包（应为 .keras 文件及其 .json 模型卡）。</translation>
    </message>
    <message>
      <source>{name}: cannot load this model ({why}).</source>
      <translation>{name}：无法加载此模型（{why}）。</translation>
    </message>
    <message>
      <source>{name}: expected a folder with COVID/ and Normal/ sub-folders, or a manifest CSV.</source>
      <translation>{name}：应为包含 COVID/ 和 Normal/ 子文件夹的文件夹，或清单 CSV 文件。</translation>
    </message>
    <message>
      <source>{name}: no sub-folder for class {classes} (expected e.g. COVID/ and Normal/, any case).</source>
      <translation>{name}：没有类别 {classes} 的子文件夹（应为 COVID/ 和 Normal/ 等，大小写均可）。</translation>
    </message>
    <message>
      <source>{name}: no sub-folder for class {classes} (expected e.g. COVID/ and Normal/, any case); it has {folders}.</source>
      <translation>{name}：没有类别 {classes} 的子文件夹（应为 COVID/ 和 Normal/ 等，大小写均可）；其中有 {folders}。</translation>
    </message>
    <message>
      <source>the {split} split needs films of both classes; it has {covid} COVID-19 and {normal} Normal. The data hold {all_covid} COVID-19 and {all_normal} Normal films: at least {n} of each are needed for a model and its figures.</source>
      <translation>{split} 部分需要两类影像；它只有 {covid} 张新冠肺炎和 {normal} 张正常影像。数据共有 {all_covid} 张新冠肺炎和 {all_normal} 张正常影像：模型及其指标每类至少需要 {n} 张。</translation>
    </message>
    <message>
      <source>the {split} split needs readable films of both classes; it has {covid} COVID-19 and {normal} Normal. The data hold {all_covid} COVID-19 and {all_normal} Normal films: at least {n} of each are needed for a model and its figures.</source>
      <translation>{split} 部分需要两类可读取的影像；它只有 {covid} 张新冠肺炎和 {normal} 张正常影像。数据共有 {all_covid} 张新冠肺炎和 {all_normal} 张正常影像：模型及其指标每类至少需要 {n} 张。</translation>
    </message>
    <message>
      <source>sensitivity &gt;= {n} for COVID-19 on {films}, then the largest share labelled right in the source served worst, of those with at least {count} films (balanced)</source>
      <translation>{films}上新冠敏感度 ≥ {n}，并在至少有 {count} 张影像的来源中，让判对比例最低的来源判对最多（均衡）</translation>
    </message>
    <message>
      <source>sensitivity &gt;= {n} for COVID-19 on {films}, then the best balanced accuracy (balanced)</source>
      <translation>{films}上新冠敏感度 ≥ {n}，并取平衡准确率最高者（均衡）</translation>
    </message>
    <message>
      <source>sensitivity &gt;= {n} for COVID-19 on {films} (screening)</source>
      <translation>{films}上新冠敏感度 ≥ {n}（筛查）</translation>
    </message>
    <message>
      <source>the screening threshold: no threshold keeps sensitivity &gt;= {n} for COVID-19 on {films} (balanced)</source>
      <translation>取筛查阈值：{films}上没有阈值能保持新冠敏感度 ≥ {n}（均衡）</translation>
    </message>
    <message>
      <source>{films}, each film scored by a version of the model that had not learnt from its patient</source>
      <translation>{films}（每张影像由未学过该患者的模型版本评分）</translation>
    </message>
    <message>
      <source>the validation split</source>
      <translation>验证集</translation>
    </message>
    <message>
      <source>the site's {n} adaptation films</source>
      <translation>本院的 {n} 张适配影像</translation>
    </message>
    <message>
      <source>the site's {n} adaptation COVID films</source>
      <translation>本院的 {n} 张新冠适配影像</translation>
    </message>
    <message>
      <source>The films this model calls COVID-19 look unlike those it was checked on, so its results on them may be wrong here. Check the model on about 100 of this site&apos;s labelled films (Tools ▸ Check the model on my films) before relying on it.</source>
      <translation>此模型判为 COVID-19 的影像与其检验时所用的影像不同，因此它对这些影像的结果在本院可能有误。依赖此模型之前，请先用本院约 100 张已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>The films this model calls Normal look unlike those it was checked on, so its results on them may be wrong here. Check the model on about 100 of this site&apos;s labelled films (Tools ▸ Check the model on my films) before relying on it.</source>
      <translation>此模型判为正常的影像与其检验时所用的影像不同，因此它对这些影像的结果在本院可能有误。依赖此模型之前，请先用本院约 100 张已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>The films this model calls COVID-19 and those it calls Normal look unlike those it was checked on, so its results on them may be wrong here. Check the model on about 100 of this site&apos;s labelled films (Tools ▸ Check the model on my films) before relying on it.</source>
      <translation>此模型判为 COVID-19 和判为正常的影像都与其检验时所用的影像不同，因此它对这些影像的结果在本院可能有误。依赖此模型之前，请先用本院约 100 张已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>These films, taken together, look unlike every collection of films this model learnt from (other machines, other processing or other patients), so its results on them may be wrong here. Check the model on about 100 of this site&apos;s labelled films (Tools ▸ Check the model on my films) before relying on it.</source>
      <translation>这批影像整体看来与此模型学习过的每一批影像都不同（可能来自其他设备、其他处理方式或其他人群），因此它对这些影像的结果在本院可能有误。依赖此模型之前，请先用本院约 100 张已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>The films this model calls COVID-19 look unlike those it was checked on, and these films taken together look unlike every collection it learnt from, so its results on them may be wrong here. Check the model on about 100 of this site&apos;s labelled films (Tools ▸ Check the model on my films) before relying on it.</source>
      <translation>此模型判为 COVID-19 的影像与其检验时所用的影像不同，且这批影像整体看来与它学习过的每一批影像都不同，因此它对这些影像的结果在本院可能有误。依赖此模型之前，请先用本院约 100 张已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>The films this model calls Normal look unlike those it was checked on, and these films taken together look unlike every collection it learnt from, so its results on them may be wrong here. Check the model on about 100 of this site&apos;s labelled films (Tools ▸ Check the model on my films) before relying on it.</source>
      <translation>此模型判为正常的影像与其检验时所用的影像不同，且这批影像整体看来与它学习过的每一批影像都不同，因此它对这些影像的结果在本院可能有误。依赖此模型之前，请先用本院约 100 张已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>The films this model calls COVID-19 and those it calls Normal look unlike those it was checked on, and these films taken together look unlike every collection it learnt from, so its results on them may be wrong here. Check the model on about 100 of this site&apos;s labelled films (Tools ▸ Check the model on my films) before relying on it.</source>
      <translation>此模型判为 COVID-19 和判为正常的影像都与其检验时所用的影像不同，且这批影像整体看来与它学习过的每一批影像都不同，因此它对这些影像的结果在本院可能有误。依赖此模型之前，请先用本院约 100 张已标注的影像检验它（工具 ▸ 用本院影像检验模型）。</translation>
    </message>
    <message>
      <source>{name}: file not found.</source>
      <translation>{name}：找不到文件。</translation>
    </message>
    <message>
      <source>{name}: the results store cannot be opened (its path is {n} bytes long; SQLite opens paths of fewer than {limit}).</source>
      <translation>{name}：无法打开结果库（其路径长 {n} 字节；SQLite 只能打开短于 {limit} 字节的路径）。</translation>
    </message>
    <message>
      <source>{name}: the results store cannot be opened ({why}).</source>
      <translation>{name}：无法打开结果库（{why}）。</translation>
    </message>
    <message>
      <source>{name}: not a usable results store ({why}).</source>
      <translation>{name}：不是可用的结果库（{why}）。</translation>
    </message>
    <message>
      <source>{name}: this is another application&apos;s database, not a results store; it was left as it is.</source>
      <translation>{name}：这是其他应用程序的数据库，不是结果库；未做任何改动。</translation>
    </message>
    <message>
      <source>{name}: this results store was written by a newer version of the app (schema {version}); update the app.</source>
      <translation>{name}：此结果库由更新版本的本应用写入（结构版本 {version}）；请更新本应用。</translation>
    </message>
    <message>
      <source>{name}: the results store cannot be written ({why}); nothing was deleted.</source>
      <translation>{name}：无法写入结果库（{why}）；未删除任何内容。</translation>
    </message>
    <message>
      <source>{name}: the results store cannot be written ({why}).</source>
      <translation>{name}：无法写入结果库（{why}）。</translation>
    </message>
    <message>
      <source>{name}: the results store cannot be written in {folder} ({why}); check that folder's and the file's write permissions.</source>
      <translation>{name}：无法在 {folder} 中写入结果库（{why}）；请检查该文件夹和文件的写入权限。</translation>
    </message>
    <message>
      <source>{name}: {path} is not a file, so it cannot be a results store.</source>
      <translation>{name}：{path} 不是文件，不能作为结果库。</translation>
    </message>
    <message>
      <source>{name}: the results store cannot be read ({why}).</source>
      <translation>{name}：无法读取结果库（{why}）。</translation>
    </message>
    <message>
      <source>{name}: this file has changed since this answer was made; classify it again to see its answer.</source>
      <translation>{name}：得出此结果之后文件已被更改；请重新分类以查看其结果。</translation>
    </message>
    <message>
      <source>{name}: permission denied; check the file's access rights.</source>
      <translation>{name}：没有权限；请检查文件的访问权限。</translation>
    </message>
    <message>
      <source>{name}: cannot be read ({why}).</source>
      <translation>{name}：无法读取（{why}）。</translation>
    </message>
    <message>
      <source>{name}: the file is empty (0 bytes).</source>
      <translation>{name}：文件为空（0 字节）。</translation>
    </message>
    <message>
      <source>{name}: is a folder, not an image file.</source>
      <translation>{name}：这是文件夹，不是影像文件。</translation>
    </message>
    <message>
      <source>{name}: the content is not an image despite its {suffix} name.</source>
      <translation>{name}：虽然扩展名是 {suffix}，内容却不是影像。</translation>
    </message>
    <message>
      <source>{name}: not an image or DICOM file.</source>
      <translation>{name}：不是影像或 DICOM 文件。</translation>
    </message>
    <message>
      <source>{name}: not a readable image (the content is not PNG, JPEG, BMP, TIFF, JPEG 2000 or WebP).</source>
      <translation>{name}：无法读取的影像（内容不是 PNG、JPEG、BMP、TIFF、JPEG 2000 或 WebP）。</translation>
    </message>
    <message>
      <source>{name}: not a readable image (the content is not PNG, JPEG, BMP or TIFF).</source>
      <translation>{name}：无法读取的影像（内容不是 PNG、JPEG、BMP 或 TIFF）。</translation>
    </message>
    <message>
      <source>{name}: a damaged {kind} file; its structure cannot be read.</source>
      <translation>{name}：{kind} 文件已损坏，无法读取其结构。</translation>
    </message>
    <message>
      <source>{name}: the image is damaged or truncated ({why}).</source>
      <translation>{name}：影像已损坏或不完整（{why}）。</translation>
    </message>
    <message>
      <source>{name}: not a readable DICOM file ({why}).</source>
      <translation>{name}：无法读取的 DICOM 文件（{why}）。</translation>
    </message>
    <message>
      <source>{name}: DICOM file holds no image (no pixel data); nothing to classify.</source>
      <translation>{name}：DICOM 文件中没有影像（无像素数据）；无法分类。</translation>
    </message>
    <message>
      <source>{name}: the file ends inside its DICOM header, before its image; it is cut short or damaged.</source>
      <translation>{name}：文件在 DICOM 头部中途结束，未到影像部分；文件不完整或已损坏。</translation>
    </message>
    <message>
      <source>{rule}; not met: sensitivity {found} there at the lowest threshold, {lowest}</source>
      <translation>{rule}；未能达到：在最低阈值 {lowest} 下敏感度仅为 {found}</translation>
    </message>
    <message>
      <source>{films}, each scored by a network trained without it ({n}-fold cross-fitting)</source>
      <translation>{films}，每张影像由未学习过它的网络评分（{n} 折交叉拟合）</translation>
    </message>
    <message>
      <source>{rule}; lowered to the balanced threshold, since that keeps a higher sensitivity already</source>
      <translation>{rule}；已降至均衡阈值，因为该阈值的敏感度已经更高</translation>
    </message>
    <message>
      <source>{name}/: not used, its name is not a class&apos;s (name it COVID or Normal to use its films)</source>
      <translation>{name}/：未使用，其名称不是类别名（命名为 COVID 或 Normal 即可使用其中影像）</translation>
    </message>
    <message>
      <source>class folders in {folder} (patients: {parts})</source>
      <translation>{folder} 中的类别文件夹（患者：{parts}）</translation>
    </message>
    <message>
      <source>class folders in {folder}</source>
      <translation>{folder} 中的类别文件夹</translation>
    </message>
    <message>
      <source>{n} films of {count} patients by their DICOM PatientID</source>
      <translation>按 DICOM PatientID 区分的 {count} 位患者的 {n} 张影像</translation>
    </message>
    <message>
      <source>{n} films whose PatientID is shared by too many to name a patient</source>
      <translation>{n} 张影像的 PatientID 被过多影像共用，无法指认患者</translation>
    </message>
    <message>
      <source>{n} copies kept with the film they copy</source>
      <translation>{n} 份副本与其原片归为同一患者</translation>
    </message>
    <message>
      <source>{n} films each counted as a patient of its own (no PatientID)</source>
      <translation>{n} 张影像各自算作一位患者（无 PatientID）</translation>
    </message>
    <message>
      <source>multi-frame DICOM ({frames} frames): the first frame was used.</source>
      <translation>多帧 DICOM（{frames} 帧）：使用了第一帧。</translation>
    </message>
    <message>
      <source>multi-page {format} ({n} pages): the first page was used.</source>
      <translation>多页 {format}（{n} 页）：使用了第一页。</translation>
    </message>
    <message>
      <source>its pixels are not square ({rows} x {columns} mm): it was read as a viewer shows it.</source>
      <translation>其像素不是正方形（{rows} x {columns} 毫米）：已按阅片软件的显示方式读取。</translation>
    </message>
    <message>
      <source>{name}: {syntax} DICOM needs a decoder plugin - install {plugin}.</source>
      <translation>{name}：{syntax} 格式的 DICOM 需要解码插件——请安装 {plugin}。</translation>
    </message>
    <message>
      <source>{name}: its pixel data is shorter than its image size needs ({have} of {need} bytes); the file is cut short or damaged.</source>
      <translation>{name}：像素数据短于图像尺寸所需（{have} / {need} 字节）；文件不完整或已损坏。</translation>
    </message>
    <message>
      <source>{name}: its {syntax} pixel data is damaged or cut short and cannot be decoded.</source>
      <translation>{name}：其 {syntax} 像素数据已损坏或不完整，无法解码。</translation>
    </message>
    <message>
      <source>{name}: its pixel data is {syntax} with 12-bit samples, which this app's decoders cannot read reliably; ask the sender for an uncompressed, JPEG lossless or JPEG 2000 copy.</source>
      <translation>{name}：其像素数据为 12 位样本的 {syntax}，本应用的解码器无法可靠读取；请发送方提供未压缩、JPEG 无损或 JPEG 2000 格式的副本。</translation>
    </message>
    <message>
      <source>{name}: its pixel data is in {syntax}, which this app cannot decode.</source>
      <translation>{name}：像素数据为 {syntax} 格式，本程序无法解码。</translation>
    </message>
    <message>
      <source>{name}: a deflated DICOM file without its preamble; save it again with a DICOM tool (which writes the preamble) to classify it.</source>
      <translation>{name}：缺少前导的 deflate 压缩 DICOM 文件；请用 DICOM 工具重新保存（会写入前导）后再分类。</translation>
    </message>
    <message>
      <source>{name}: its deflated data set inflates to more than {mb} MB, more than any film needs; it was not read.</source>
      <translation>{name}：其 deflate 压缩数据解压后超过 {mb} MB，超出任何胸片所需；未读取。</translation>
    </message>
    <message>
      <source>{name}: DICOM pixel data could not be decoded ({why}).</source>
      <translation>{name}：无法解码 DICOM 像素数据（{why}）。</translation>
    </message>
    <message>
      <source>{name}: decoding took longer than {seconds} s and was abandoned (a damaged or hostile file?).</source>
      <translation>{name}：解码超过 {seconds} 秒，已放弃（文件损坏或恶意？）。</translation>
    </message>
    <message>
      <source>{name}: the decoder crashed on this file ({how}) and it was skipped (a damaged or hostile file?).</source>
      <translation>{name}：解码器在此文件上崩溃（{how}），已跳过（文件损坏或恶意？）。</translation>
    </message>
    <message>
      <source>{name}: a heat-map picture made by this app, not an X-ray; classify the original film instead.</source>
      <translation>{name}：这是本程序生成的热图，不是 X 光片；请对原始影像分类。</translation>
    </message>
    <message>
      <source>{name}: {kind}, not a regular file; it is not read.</source>
      <translation>{name}：{kind}，不是普通文件；不会读取。</translation>
    </message>
    <message>
      <source>{name}: unexpected error while reading ({why}).</source>
      <translation>{name}：读取时发生意外错误（{why}）。</translation>
    </message>
    <message>
      <source>not a frontal chest X-ray ({reason}); no prediction.</source>
      <translation>不是正位胸部 X 光片（{reason}）；不作预测。</translation>
    </message>
    <message>
      <source>{reason}; no prediction.</source>
      <translation>{reason}；不作预测。</translation>
    </message>
    <message>
      <source>DICOM modality is {modality}, not a radiograph</source>
      <translation>DICOM 检查类型为 {modality}，不是 X 线摄影</translation>
    </message>
    <message>
      <source>a lateral view (ViewPosition {view})</source>
      <translation>侧位片（ViewPosition {view}）</translation>
    </message>
    <message>
      <source>body part is {part}, not chest</source>
      <translation>检查部位为 {part}，不是胸部</translation>
    </message>
    <message>
      <source>a colour picture</source>
      <translation>彩色图片</translation>
    </message>
    <message>
      <source>shape {w} x {h} is far from a chest film's</source>
      <translation>尺寸 {w} x {h} 与胸片相差太远</translation>
    </message>
    <message>
      <source>only {w} x {h} pixels, too small to judge; use the full-size film</source>
      <translation>只有 {w} x {h} 像素，太小，无法判读；请使用原尺寸影像</translation>
    </message>
    <message>
      <source>a blank image</source>
      <translation>空白影像</translation>
    </message>
    <message>
      <source>it looks rotated or upside down</source>
      <translation>影像似乎被旋转或上下颠倒</translation>
    </message>
    <message>
      <source>it looks like a negative, with bones dark and lungs light; save it again as a positive</source>
      <translation>影像似乎是负片（骨骼暗、肺野亮）；请重新保存为正片</translation>
    </message>
    <message>
      <source>not judged: no two lung fields side by side were found, as in a lateral view (a white-out lung can hide one too)</source>
      <translation>未判读：未找到左右并列的两侧肺野，如同侧位片（一侧肺完全变白时也可能如此）</translation>
    </message>
    <message>
      <source>not judged: its greys span only {levels} levels (a faded or posterised copy), fewer than any film the model learnt from; use the original film, with its full range of grey</source>
      <translation>未判读：其灰度仅有 {levels} 级（褪色或灰阶压缩的副本），少于模型学习过的任何影像；请使用保留完整灰度范围的原始影像</translation>
    </message>
    <message>
      <source>not a frontal chest X-ray: no two lung fields side by side were found (a lateral view shows one)</source>
      <translation>不是正位胸部 X 光片：未找到左右并列的两侧肺野（侧位片只显示一个）</translation>
    </message>
    <message>
      <source>not a frontal chest X-ray: it looks like a lateral view or a CT slice</source>
      <translation>不是正位胸部 X 光片：看起来像侧位片或 CT 断层图像</translation>
    </message>
    <message>
      <source>it does not look like a chest X-ray</source>
      <translation>看起来不像胸部 X 光片</translation>
    </message>
    <message>
      <source>not judged: it looks like a lateral view or a CT slice rather than a frontal chest X-ray (an unusual frontal film can look so too)</source>
      <translation>未判读：看起来像侧位片或 CT 断层图像，而不是正位胸部 X 光片（少见的正位片也可能如此）</translation>
    </message>
    <message>
      <source>outside what this model was trained on: it differs from every film the model learnt from</source>
      <translation>超出此模型的训练范围：与模型学过的所有影像都不同</translation>
    </message>
    <message>
      <source>a named pipe</source>
      <translation>命名管道</translation>
    </message>
    <message>
      <source>a device</source>
      <translation>设备文件</translation>
    </message>
    <message>
      <source>a socket</source>
      <translation>套接字</translation>
    </message>
    <message>
      <source>These films differ from the ones this model was checked on: check it on your own films before relying on it.</source>
      <translation>这些影像与检验此模型时所用的影像不同：依赖它之前，请先用本院影像检验。</translation>
    </message>
    <message>
      <source>On your {films}: {metric} {numbers}, below the {card} the model card reports.</source>
      <translation>在您的{films}上：{metric} {numbers}，低于模型卡所报告的 {card}。</translation>
    </message>
    <message>
      <source>On your {films}: {metric} {numbers}; the model card reports {card} from its own few check films, and the two intervals overlap: more films would tell.</source>
      <translation>在您的{films}上：{metric} {numbers}；模型卡报告的 {card} 来自其自身为数不多的核查影像，两个区间有重叠：需要更多影像才能判断。</translation>
    </message>
    <message>
      <source>On your {films}: {metric} {numbers}; the model card reports {card}, which is within this interval: more films would tell.</source>
      <translation>在您的{films}上：{metric} {numbers}；模型卡报告的 {card} 在此区间内：需要更多影像才能判断。</translation>
    </message>
    <message>
      <source>On your {films}: {metric} {numbers}, in line with the {card} the model card reports.</source>
      <translation>在您的{films}上：{metric} {numbers}，与模型卡报告的 {card} 一致。</translation>
    </message>
    <message>
      <source>On your {films}: {metric} {numbers}.</source>
      <translation>在您的{films}上：{metric} {numbers}。</translation>
    </message>
    <message>
      <source>The model refused {share} of your films as unlike what it can judge.</source>
      <translation>模型拒绝了您 {share} 的影像，认为它们超出其判断能力。</translation>
    </message>
    <message>
      <source>Do not rely on this model here without adapting it to your films (Tools ▸ Train or adapt a model).</source>
      <translation>未经针对本院影像适配，请勿在本院依赖此模型（工具 ▸ 训练或适配模型）。</translation>
    </message>
    <message>
      <source>This computer's processor lacks the AVX instructions that TensorFlow needs, so covidxray cannot train or adapt models here (classifying works). Please use a PC with an Intel or AMD processor from 2011 or later (Intel Sandy Bridge / AMD Bulldozer or newer).</source>
      <translation>这台电脑的处理器缺少 TensorFlow 所需的 AVX 指令，因此 covidxray 无法在此训练或适配模型（分类仍可使用）。请使用 2011 年或之后的 Intel 或 AMD 处理器的电脑（Intel Sandy Bridge / AMD Bulldozer 或更新）。</translation>
    </message>
    <message>
      <source>Nothing here says the model works worse on your films than on its own test films.</source>
      <translation>没有迹象表明模型在您的影像上比在其测试影像上表现更差。</translation>
    </message>
    <message>
      <source>Too few films to judge: {covid} COVID-19 and {normal} normal films could be judged; a verdict needs at least {n} of each.</source>
      <translation>影像太少，无法判断：可判断的 COVID-19 影像 {covid} 张、正常影像 {normal} 张；每类至少需要 {n} 张才能给出结论。</translation>
    </message>
    <message>
      <source>The model card has no figures at a threshold set by hand: check the model at one of its operating points (Balanced or Screening) to judge it.</source>
      <translation>模型卡没有手动设定阈值下的指标：请在其某个工作点（均衡或筛查）检查模型以作判断。</translation>
    </message>
    <message>
      <source>None of your films could be judged (all were refused or unreadable).</source>
      <translation>您的影像均无法判断（全部被拒绝或无法读取）。</translation>
    </message>
    <message>
      <source>sensitivity</source>
      <translation>敏感度</translation>
    </message>
    <message>
      <source>specificity</source>
      <translation>特异度</translation>
    </message>
    <message>
      <source>{n} COVID-19 films</source>
      <translation>{n} 张新冠肺炎影像</translation>
    </message>
    <message>
      <source>{n} Normal films</source>
      <translation>{n} 张正常影像</translation>
    </message>
  </context>
  <context>
    <name>QueueModel</name>
    <message>
      <source>Batch</source>
      <translation>批次</translation>
    </message>
    <message>
      <source>Files</source>
      <translation>文件数</translation>
    </message>
    <message>
      <source>Progress</source>
      <translation>进度</translation>
    </message>
    <message>
      <source>Rate</source>
      <translation>速度</translation>
    </message>
    <message>
      <source>Left</source>
      <translation>剩余</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>%1 img/s</source>
      <translation>%1 张/秒</translation>
    </message>
    <message>
      <source>queued</source>
      <translation>排队中</translation>
    </message>
    <message>
      <source>running</source>
      <translation>运行中</translation>
    </message>
    <message>
      <source>paused</source>
      <translation>已暂停</translation>
    </message>
    <message>
      <source>done</source>
      <translation>完成</translation>
    </message>
    <message>
      <source>cancelled</source>
      <translation>已取消</translation>
    </message>
    <message>
      <source>stopped by an error</source>
      <translation>因错误停止</translation>
    </message>
  </context>
  <context>
    <name>QueuePanel</name>
    <message>
      <source>Pause</source>
      <translation>暂停</translation>
    </message>
    <message>
      <source>Resume</source>
      <translation>继续</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Clear finished</source>
      <translation>清除已完成</translation>
    </message>
    <message>
      <source>for: %1</source>
      <translation>作用于：%1</translation>
    </message>
  </context>
  <context>
    <name>Report</name>
    <message>
      <source>Its figures are for its own site&apos;s check films; at another hospital it may do worse.</source>
      <translation>其数据来自本院的检验影像；在其他医院它的表现可能更差。</translation>
    </message>
    <message>
      <source>Each model&apos;s figures are for the films it was checked on (new patients of the collections it learnt from, or its own site&apos;s check films); at another hospital it may do worse.</source>
      <translation>每个模型的指标只适用于核查它所用的影像（其学习过的数据集中的新患者，或其本院的核查影像）；在其他医院可能表现更差。</translation>
    </message>
    <message>
      <source>Close to the threshold: read this film yourself.</source>
      <translation>接近阈值：请您亲自判读此影像。</translation>
    </message>
    <message>
      <source>It cannot tell COVID-19 from other pneumonias: in its tests it called {0} of {1} films of other pneumonias COVID-19.</source>
      <translation>它无法区分新冠肺炎与其他肺炎：测试中，其他肺炎的 {1} 张影像中有 {0} 张被判为新冠肺炎。</translation>
    </message>
    <message>
      <source>It cannot tell COVID-19 from other pneumonias.</source>
      <translation>它无法区分新冠肺炎与其他肺炎。</translation>
    </message>
    <message>
      <source>Its test figures are for new patients of the collections it learnt from; at a hospital it never saw, it called more healthy adults COVID-19.</source>
      <translation>其测试数据来自它学习过的数据集中的新患者；在它从未见过的医院，它把更多健康成人判为新冠肺炎。</translation>
    </message>
    <message>
      <source>Balanced</source>
      <translation>均衡</translation>
    </message>
    <message>
      <source>Screening</source>
      <translation>筛查</translation>
    </message>
    <message>
      <source>Custom</source>
      <translation>自定义</translation>
    </message>
    <message>
      <source>Model's own</source>
      <translation>模型自带</translation>
    </message>
    <message>
      <source>the default operating point</source>
      <translation>默认工作点</translation>
    </message>
    <message>
      <source>sensitivity and specificity at {0}, threshold {1:.3f}</source>
      <translation>敏感度和特异度为{0}（阈值 {1:.3f}）下的数值</translation>
    </message>
    <message>
      <source>Chest X-ray report</source>
      <translation>胸部 X 光报告</translation>
    </message>
    <message>
      <source>Report of {0}</source>
      <translation>{0} 的报告</translation>
    </message>
    <message>
      <source>Research use only, not a diagnostic device.</source>
      <translation>仅供研究使用，不是诊断设备。</translation>
    </message>
    <message>
      <source>Page {0} of {1}</source>
      <translation>第 {0} 页，共 {1} 页</translation>
    </message>
    <message>
      <source>COVID-19</source>
      <translation>新冠肺炎</translation>
    </message>
    <message>
      <source>Normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>no prediction</source>
      <translation>不作预测</translation>
    </message>
    <message>
      <source>on its test films: AUC {0}, sensitivity {1}, specificity {2} (n = {3})</source>
      <translation>在其测试影像上：AUC {0}，敏感度 {1}，特异度 {2}（n = {3}）</translation>
    </message>
    <message>
      <source>Chest X-ray report: summary</source>
      <translation>胸部 X 光报告：概要</translation>
    </message>
    <message>
      <source>{0} films: {1} COVID-19, {2} Normal, {3} refused, {4} unreadable.</source>
      <translation>{0} 张影像：新冠肺炎 {1}，正常 {2}，拒绝 {3}，无法读取 {4}。</translation>
    </message>
    <message>
      <source>No shift warning: the films resemble those the model was tested on (batch shift test: p {0}; it warns below {1}). That does not say its answers are right.</source>
      <translation>无偏移警告：这些影像与模型测试所用的影像相似（批次偏移检验：p {0}；低于 {1} 时发出警告）。这并不说明它的判读正确。</translation>
    </message>
    <message>
      <source>(batch shift test: p {0}; it warns below {1})</source>
      <translation>（批次偏移检验：p {0}；低于 {1} 时发出警告）</translation>
    </message>
    <message>
      <source>Chest X-ray report: summary (continued)</source>
      <translation>胸部 X 光报告：概要（续）</translation>
    </message>
    <message>
      <source>Film</source>
      <translation>影像</translation>
    </message>
    <message>
      <source>Result</source>
      <translation>结果</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>ok</source>
      <translation>已判读</translation>
    </message>
    <message>
      <source>refused</source>
      <translation>已拒绝</translation>
    </message>
    <message>
      <source>error</source>
      <translation>错误</translation>
    </message>
    <message>
      <source>The film could not be read again for this page: {0}</source>
      <translation>无法为此页重新读取影像：{0}</translation>
    </message>
    <message>
      <source>Where the model found evidence: orange for COVID-19, blue for Normal. Its answer: {0}.</source>
      <translation>模型找到依据的位置：橙色支持新冠肺炎，蓝色支持正常。它的回答：{0}。</translation>
    </message>
    <message>
      <source>{0}; threshold {1:.3f}</source>
      <translation>{0}；阈值 {1:.3f}</translation>
    </message>
    <message>
      <source>(the model's own threshold is {0:.3f})</source>
      <translation>（模型自身的阈值为 {0:.3f}）</translation>
    </message>
    <message>
      <source>No prediction</source>
      <translation>不作预测</translation>
    </message>
    <message>
      <source>Not readable</source>
      <translation>无法读取</translation>
    </message>
    <message>
      <source>Patient ID: {0}    Study date: {1}</source>
      <translation>患者 ID：{0}    检查日期：{1}</translation>
    </message>
    <message>
      <source>Model {0}</source>
      <translation>模型 {0}</translation>
    </message>
    <message>
      <source>Recorded {0}</source>
      <translation>记录于 {0}</translation>
    </message>
    <message>
      <source>on {3} check films of its site, unseen in adaptation: AUC {0}, sensitivity {1}, specificity {2}</source>
      <translation>在其本院 {3} 张检验影像（适配时未用）上：AUC {0}，敏感度 {1}，特异度 {2}</translation>
    </message>
    <message>
      <source>its own figures are not known here</source>
      <translation>此处不知其自身的指标</translation>
    </message>
    <message>
      <source>{0} film: {1} COVID-19, {2} Normal, {3} refused, {4} unreadable.</source>
      <translation>{0} 张影像：新冠肺炎 {1}，正常 {2}，拒绝 {3}，无法读取 {4}。</translation>
    </message>
    <message>
      <source>Batch {0}: {1}</source>
      <translation>批次 {0}：{1}</translation>
    </message>
    <message>
      <source>Batch {0} (model {1}): {2}</source>
      <translation>批次 {0}（模型 {1}）：{2}</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>模型</translation>
    </message>
    <message>
      <source>Chest X-ray report: films {0}-{1}</source>
      <translation>胸部 X 光报告：影像 {0}–{1}</translation>
    </message>
    <message>
      <source>Most of the evidence for this answer ({0:.0%}) lies outside the lung fields, where the map is not drawn: the answer may rest on something else there.</source>
      <translation>此结论的大部分依据（{0:.0%}）位于肺野之外，而热图只画在肺野内：结论可能依据的是别处的东西。</translation>
    </message>
      <message>
      <source>Model {0}: {1} film at operating point {2} (its default threshold: {3}); {4}</source>
      <translation>模型 {0}：{1} 张影像，工作点 {2}（其默认阈值：{3}）；{4}</translation>
    </message>
    <message>
      <source>Model {0}: {1} films at operating point {2} (its default threshold: {3}); {4}</source>
      <translation>模型 {0}：{1} 张影像，工作点 {2}（其默认阈值：{3}）；{4}</translation>
    </message>
    <message>
      <source>{0}, threshold {1:.3f}</source>
      <translation>{0}，阈值 {1:.3f}</translation>
    </message>
    <message>
      <source>{0}; operating point: {1} (threshold {2:.3f})</source>
      <translation>{0}；工作点：{1}（阈值 {2:.3f}）</translation>
    </message>
</context>
  <context>
    <name>ResultsModel</name>
    <message>
      <source>Image</source>
      <translation>图像</translation>
    </message>
    <message>
      <source>File</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>Folder</source>
      <translation>文件夹</translation>
    </message>
    <message>
      <source>Label</source>
      <translation>标签</translation>
    </message>
    <message>
      <source>P(COVID)</source>
      <translation>P(COVID)</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Patient ID</source>
      <translation>患者 ID</translation>
    </message>
    <message>
      <source>%1: %2</source>
      <translation>%1：%2</translation>
    </message>
    <message>
      <source>Study date</source>
      <translation>检查日期</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>模型</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>耗时</translation>
    </message>
    <message>
      <source>Made by %1 at its threshold %2</source>
      <translation>由 %1 以其阈值 %2 得出</translation>
    </message>
    <message>
      <source>COVID-19</source>
      <translation>新冠肺炎</translation>
    </message>
    <message>
      <source>Normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>ok</source>
      <translation>已判读</translation>
    </message>
    <message>
      <source>refused</source>
      <translation>已拒绝</translation>
    </message>
    <message>
      <source>(not the current model)</source>
      <translation>（非当前模型）</translation>
    </message>
    <message>
      <source>error</source>
      <translation>错误</translation>
    </message>
    <message>
      <source>%1 COVID-19 · %2 Normal · %3 refused · %4 unreadable</source>
      <translation>%1 新冠肺炎 · %2 正常 · %3 已拒绝 · %4 无法读取</translation>
    </message>
    <message>
      <source>showing %1 of %2</source>
      <translation>显示 %2 条中的 %1 条</translation>
    </message>
    <message>
      <source>%1 films by %2 models</source>
      <translation>%1 张影像，%2 个模型</translation>
    </message>
  </context>
  <context>
    <name>ScopeDialog</name>
    <message>
      <source>Export which results?</source>
      <translation>导出哪些结果？</translation>
    </message>
    <message>
      <source>All results (%1)</source>
      <translation>全部结果（%1）</translation>
    </message>
    <message>
      <source>The results the filter shows (%1)</source>
      <translation>筛选后显示的结果（%1）</translation>
    </message>
    <message>
      <source>The selected results (%1)</source>
      <translation>所选结果（%1）</translation>
    </message>
    <message>
      <source>Anonymise (file names instead of paths; no patient ID or study fields)</source>
      <translation>匿名化（用文件名代替路径；不含患者 ID 和检查信息）</translation>
    </message>
    <message>
      <source>Compact report: a summary, then six films a page</source>
      <translation>紧凑报告：先是概要，之后每页六张影像</translation>
    </message>
    <message>
      <source>A page per film makes a long report for a large batch.</source>
      <translation>每张影像一页，大批量时报告会很长。</translation>
    </message>
  </context>
  <context>
    <name>ShiftBanner</name>
    <message>
      <source>Check the model on my films…</source>
      <translation>用本院影像检验模型…</translation>
    </message>
    <message>
      <source>Hide this note</source>
      <translation>隐藏此提示</translation>
    </message>
  </context>
  <context>
    <name>SiteCheckDialog</name>
    <message>
      <source>Saved: %1</source>
      <translation>已保存：%1</translation>
    </message>
    <message>
      <source>Not saved: %1</source>
      <translation>未保存：%1</translation>
    </message>
    <message>
      <source>%1 would replace %2; it is not overwritten. Choose another file.</source>
      <translation>%1 会替换%2；不会覆盖它。请选择其他文件。</translation>
    </message>
    <message>
      <source>Check the model on my films</source>
      <translation>用本院影像检验模型</translation>
    </message>
    <message>
      <source>Choose a folder with COVID/ and Normal/ sub-folders holding your own films, sorted by a reference result (PCR). Every film is scored; nothing is stored or learnt.</source>
      <translation>请选择一个含有 COVID/ 和 Normal/ 子文件夹的文件夹，其中是按参考结果（PCR）分好的本院影像。每张影像都会被评分；不会保存或学习任何内容。</translation>
    </message>
    <message>
      <source>Folder…</source>
      <translation>文件夹…</translation>
    </message>
    <message>
      <source>Check</source>
      <translation>检验</translation>
    </message>
    <message>
      <source>Save as PDF…</source>
      <translation>另存为 PDF…</translation>
    </message>
    <message>
      <source>Adapt the model to these films…</source>
      <translation>用这些影像适配模型…</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Your labelled films</source>
      <translation>您已标注的影像</translation>
    </message>
    <message>
      <source>Scoring every film…</source>
      <translation>正在为每张影像评分…</translation>
    </message>
    <message>
      <source>Labels at the %1 operating point (threshold %2), as the window gives them.</source>
      <translation>按%1工作点（阈值 %2）给出的标签，与主窗口一致。</translation>
    </message>
    <message>
      <source>Something went wrong: %1</source>
      <translation>出错了：%1</translation>
    </message>
    <message>
      <source>all films</source>
      <translation>全部影像</translation>
    </message>
    <message>
      <source>Save the check as PDF</source>
      <translation>将检验结果另存为 PDF</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>模型</translation>
    </message>
    <message>
      <source>sensitivity</source>
      <translation>敏感度</translation>
    </message>
    <message>
      <source>specificity</source>
      <translation>特异度</translation>
    </message>
    <message>
      <source>Refused</source>
      <translation>已拒绝</translation>
    </message>
    <message>
      <source>unreadable</source>
      <translation>无法读取</translation>
    </message>
    <message>
      <source>Check of the model on local films</source>
      <translation>用本院影像检验模型</translation>
    </message>
    <message>
      <source>Model {0}; films: {1}</source>
      <translation>模型 {0}；影像：{1}</translation>
    </message>
    <message>
      <source>Refused by the gate: {0} COVID-19, {1} Normal; unreadable: {2}; calibration error: {3} (0 is perfect; above 0.1 the probabilities are not to be taken literally)</source>
      <translation>被拦截：新冠肺炎 {0} 张，正常 {1} 张；无法读取：{2}；校准误差：{3}（0 为完美；超过 0.1 时概率不可按字面理解）</translation>
    </message>
    <message>
      <source>Report of {0}</source>
      <translation>{0} 的报告</translation>
    </message>
    <message>
      <source>Page {0} of {1}</source>
      <translation>第 {0} 页，共 {1} 页</translation>
    </message>
    <message>
      <source>Research use only, not a diagnostic device.</source>
      <translation>仅供研究使用，不是诊断设备。</translation>
    </message>
    <message>
      <source>normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>covid</source>
      <translation>新冠肺炎</translation>
    </message>
    <message>
      <source>COVID-19 films</source>
      <translation>新冠肺炎影像</translation>
    </message>
    <message>
      <source>Normal films</source>
      <translation>正常影像</translation>
    </message>
    <message>
      <source>COVID-19</source>
      <translation>新冠肺炎</translation>
    </message>
    <message>
      <source>Normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>Calibration error: %1 (how far P(COVID) is from the share of COVID-19 films at that probability; 0 is perfect, above 0.1 the probabilities are not to be taken literally).</source>
      <translation>校准误差：%1（P(COVID) 与该概率下新冠肺炎影像实际比例之差；0 为完美，超过 0.1 时概率不可按字面理解）。</translation>
    </message>
    <message>
      <source>The curve shows every threshold at once: up is more COVID-19 films found (sensitivity), right is more Normal films wrongly flagged (1 - specificity). The closer to the top left corner, the better.</source>
      <translation>这条曲线一次显示所有阈值：纵轴向上表示发现的新冠肺炎影像更多（敏感度，sensitivity），横轴向右表示被误判的正常影像更多（1 - 特异度，1 - specificity）。越靠近左上角越好。</translation>
    </message>
    <message>
      <source>1 - specificity</source>
      <translation>1 - 特异度</translation>
    </message>
  </context>
  <context>
    <name>TrainingDialog</name>
    <message>
      <source>Training on {0} with {1} ({2}).</source>
      <translation>正在 {0} 上训练，使用 {1}（{2}）。</translation>
    </message>
    <message>
      <source>Train or adapt a model</source>
      <translation>训练或适配模型</translation>
    </message>
    <message>
      <source>Start</source>
      <translation>开始</translation>
    </message>
    <message>
      <source>Cancel training</source>
      <translation>取消训练</translation>
    </message>
    <message>
      <source>Stops after the current batch and keeps the best epoch so far.</source>
      <translation>在当前批次后停止，并保留目前最好的一轮。</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Starting…</source>
      <translation>正在启动…</translation>
    </message>
    <message>
      <source>Choose the data.</source>
      <translation>请选择数据。</translation>
    </message>
    <message>
      <source>epoch %1 of %2</source>
      <translation>第 %1 / %2 轮</translation>
    </message>
    <message>
      <source>Cancelled after epoch {0}; kept epoch {1} as {2}.</source>
      <translation>在第 {0} 轮后取消；已保留第 {1} 轮，保存为 {2}。</translation>
    </message>
    <message>
      <source>cancelled, kept epoch %1</source>
      <translation>已取消，保留第 %1 轮</translation>
    </message>
    <message>
      <source>Stopping after this batch; the best finished epoch, if any, is kept…</source>
      <translation>将在此批次后停止；若已有完成的轮次，保留最好的一轮…</translation>
    </message>
    <message>
      <source>Stopping after this batch; an adaptation stopped part way is not saved…</source>
      <translation>将在此批次后停止；中途停止的适配不会保存…</translation>
    </message>
    <message>
      <source>Adapting was cancelled; nothing was saved.</source>
      <translation>适配已取消；未保存任何内容。</translation>
    </message>
    <message>
      <source>Stopping the training before closing…</source>
      <translation>关闭前正在停止训练…</translation>
    </message>
    <message>
      <source>Counting images…</source>
      <translation>正在统计图像…</translation>
    </message>
    <message>
      <source>{0}; sources ({1}): {2}. Split by patient with seed {3}.</source>
      <translation>{0}；{1} 个来源：{2}。按患者划分，随机种子 {3}。</translation>
    </message>
    <message>
      <source>Training and adapting need TensorFlow, which this installation leaves out; install the full app to train here.</source>
      <translation>训练和适配需要 TensorFlow，而此安装未包含它；请安装完整版程序后再训练。</translation>
    </message>
    <message>
      <source>The device check failed: {0}</source>
      <translation>设备检查失败：{0}</translation>
    </message>
    <message>
      <source>Epoch {0} of {1}, batch {2} of {3} — {4:.0f} images/s — {5} left</source>
      <translation>第 {0}/{1} 轮，第 {2}/{3} 批 — {4:.0f} 张/秒 — 剩余 {5}</translation>
    </message>
    <message>
      <source>Epoch {0} of {1} done — {2:.0f} images/s — {3} left</source>
      <translation>第 {0}/{1} 轮完成 — {2:.0f} 张/秒 — 剩余 {3}</translation>
    </message>
    <message>
      <source>Epoch {0} of {1} done: val AUC {2:.3f} (best: epoch {3}) — {4:.0f} images/s — {5} left</source>
      <translation>第 {0}/{1} 轮完成：验证 AUC {2:.3f}（最佳：第 {3} 轮）— {4:.0f} 张/秒 — 剩余 {5}</translation>
    </message>
    <message>
      <source>reading films %1 / %2</source>
      <translation>正在读取影像 %1 / %2</translation>
    </message>
    <message>
      <source>{0} s</source>
      <translation>{0} 秒</translation>
    </message>
    <message>
      <source>{0} min</source>
      <translation>{0} 分钟</translation>
    </message>
    <message>
      <source>Finished: {0} (best epoch {1}).</source>
      <translation>完成：{0}（最佳轮次 {1}）。</translation>
    </message>
    <message>
      <source>done: %1 epochs</source>
      <translation>完成：%1 轮</translation>
    </message>
    <message>
      <source>Cancelled before the first epoch finished; nothing was saved.</source>
      <translation>在第一轮完成前取消；未保存任何内容。</translation>
    </message>
    <message>
      <source>cancelled</source>
      <translation>已取消</translation>
    </message>
    <message>
      <source>Use this model?</source>
      <translation>使用此模型吗？</translation>
    </message>
    <message>
      <source>Use the new model anyway?</source>
      <translation>仍要使用新模型吗？</translation>
    </message>
    <message>
      <source>The app now uses {0}.</source>
      <translation>应用现在使用 {0}。</translation>
    </message>
    <message>
      <source>Adapt</source>
      <translation>适配</translation>
    </message>
    <message>
      <source>Something went wrong: {0}</source>
      <translation>出错了：{0}</translation>
    </message>
    <message>
      <source>this will take about {0} minutes (timed on this PC; the estimate is refined as it runs)</source>
      <translation>大约需要 {0} 分钟（在本机上计时；运行中会更新估计）</translation>
    </message>
  </context>
  <context>
    <name>TrainingReport</name>
    <message>
      <source>validation films</source>
      <translation>验证影像</translation>
    </message>
    <message>
      <source>test films (unseen patients)</source>
      <translation>测试影像（未见过的患者）</translation>
    </message>
    <message>
      <source>held-out sources</source>
      <translation>留出的数据来源</translation>
    </message>
    <message>
      <source>Report</source>
      <translation>报告</translation>
    </message>
    <message>
      <source>split</source>
      <translation>划分</translation>
    </message>
    <message>
      <source>group</source>
      <translation>分组</translation>
    </message>
    <message>
      <source>n</source>
      <translation>数量</translation>
    </message>
    <message>
      <source>AUC [95 % CI]</source>
      <translation>AUC [95% 置信区间]</translation>
    </message>
    <message>
      <source>sensitivity</source>
      <translation>敏感度</translation>
    </message>
    <message>
      <source>specificity</source>
      <translation>特异度</translation>
    </message>
    <message>
      <source>balanced acc.</source>
      <translation>平衡准确率</translation>
    </message>
    <message>
      <source>Use this model</source>
      <translation>使用此模型</translation>
    </message>
    <message>
      <source>Classify with the new model from now on; until then the old one stays.</source>
      <translation>从现在起用新模型分类；在此之前仍使用旧模型。</translation>
    </message>
    <message>
      <source>adapted from {0} in {1}</source>
      <translation>由 {0} 适配而来，用时 {1}</translation>
    </message>
    <message>
      <source>trained on {0} in {1}</source>
      <translation>在 {0} 上训练，用时 {1}</translation>
    </message>
    <message>
      <source>{0}, {1}; threshold {2:.3f}: {3}.
Model: {4}
Report: {5}</source>
      <translation>{0}，{1}；阈值 {2:.3f}：{3}。
模型：{4}
报告：{5}</translation>
    </message>
    <message>
      <source>No ROC figure (a split lacks one of the classes).</source>
      <translation>没有 ROC 图（某个划分缺少其中一类）。</translation>
    </message>
    <message>
      <source>{0}: {1} COVID-19 and {2} Normal films</source>
      <translation>{0}：{1} 张新冠肺炎和 {2} 张正常影像</translation>
    </message>
    <message>
      <source>Refused by the gate (not scored): {0}.</source>
      <translation>被拦截（未评分）：{0}。</translation>
    </message>
    <message>
      <source>Left out ({0} files):</source>
      <translation>未使用（{0} 个文件）：</translation>
    </message>
    <message>
      <source>Folders not used:</source>
      <translation>未使用的文件夹：</translation>
    </message>
    <message>
      <source>
  … and {0} more</source>
      <translation>
  …… 另有 {0} 个</translation>
    </message>
    <message>
      <source>all</source>
      <translation>全部</translation>
    </message>
    <message>
      <source>{0}, {1}</source>
      <translation>{0}，{1}</translation>
    </message>
    <message>
      <source>class {0}</source>
      <translation>类别 {0}</translation>
    </message>
    <message>
      <source>source {0}</source>
      <translation>来源 {0}</translation>
    </message>
    <message>
      <source>before</source>
      <translation>适配前</translation>
    </message>
    <message>
      <source>after</source>
      <translation>适配后</translation>
    </message>
    <message>
      <source>balanced accuracy</source>
      <translation>平衡准确率</translation>
    </message>
    <message>
      <source>%1 %2 against %3</source>
      <translation>%1 %2，对比 %3</translation>
    </message>
    <message>
      <source>On the same %1 check films of your site (the new model, then the current one):</source>
      <translation>在本院同样的 %1 张检验影像上（先新模型，后当前模型）：</translation>
    </message>
    <message>
      <source>Each on its own test films (%1 for the new model; the new model, then the current one):</source>
      <translation>各自在自己的测试影像上（新模型 %1 张；先新模型，后当前模型）：</translation>
    </message>
    <message>
      <source>The new model is worse than the current one on some measures.</source>
      <translation>新模型在某些指标上不如当前模型。</translation>
    </message>
    <message>
      <source>worse: %1.</source>
      <translation>更差：%1。</translation>
    </message>
    <message>
      <source>better: %1.</source>
      <translation>更好：%1。</translation>
    </message>
    <message>
      <source>about the same: %1.</source>
      <translation>大致相同：%1。</translation>
    </message>
    <message>
      <source>With so few films, differences inside the intervals may be chance.</source>
      <translation>影像这么少，区间之内的差异可能只是偶然。</translation>
    </message>
    <message>
      <source>original test</source>
      <translation>原测试集</translation>
    </message>
    <message>
      <source>check</source>
      <translation>检验集</translation>
    </message>
  </context>
  <context>
    <name>TrainingSetup</name>
    <message>
      <source>Sensitivity to keep (adapting):</source>
      <translation>适配时保持的敏感度：</translation>
    </message>
    <message>
      <source>The share of COVID-19 films the adapted model's default threshold must find on your films; among the thresholds that do, the one that labels right the most films of both classes</source>
      <translation>适配后模型的默认阈值在本院影像中须检出的新冠影像比例；在满足该比例的阈值中，取两类影像判对最多的一个</translation>
    </message>
    <message>
      <source>What to do</source>
      <translation>要做什么</translation>
    </message>
    <message>
      <source>Adapt the current model to my films (keeps what it learnt; minutes, tens of films are enough)</source>
      <translation>用本院影像适配当前模型（保留已学内容；几分钟，几十张影像即可）</translation>
    </message>
    <message>
      <source>Train a new model (needs hundreds of films per class)</source>
      <translation>训练新模型（每类需要数百张影像）</translation>
    </message>
    <message>
      <source>Data</source>
      <translation>数据</translation>
    </message>
    <message>
      <source>A folder with COVID/ and Normal/ sub-folders, or a manifest CSV</source>
      <translation>含 COVID/ 和 Normal/ 子文件夹的文件夹，或清单 CSV</translation>
    </message>
    <message>
      <source>Folder…</source>
      <translation>文件夹…</translation>
    </message>
    <message>
      <source>Manifest CSV…</source>
      <translation>清单 CSV…</translation>
    </message>
    <message>
      <source>COVID-19</source>
      <translation>新冠肺炎</translation>
    </message>
    <message>
      <source>Normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>total</source>
      <translation>合计</translation>
    </message>
    <message>
      <source>Choose the data.</source>
      <translation>请选择数据。</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>efficientnet (shipped: ImageNet start, whole film, 224 px)</source>
      <translation>efficientnet（随附模型：ImageNet 预训练起点，整张胸片，224 像素）</translation>
    </message>
    <message>
      <source>default (from scratch: lung view, 160 px, 0.3 M parameters)</source>
      <translation>default（从零训练：肺野视图，160 像素，30 万参数）</translation>
    </message>
    <message>
      <source>article (2020 CNN: 224 px RGB, 97 M parameters)</source>
      <translation>论文（2020 年 CNN：224 像素 RGB，9700 万参数）</translation>
    </message>
    <message>
      <source>Checking the device…</source>
      <translation>正在检查设备…</translation>
    </message>
    <message>
      <source>Epochs:</source>
      <translation>轮数：</translation>
    </message>
    <message>
      <source>Architecture:</source>
      <translation>网络结构：</translation>
    </message>
    <message>
      <source>Seed (data split and weights):</source>
      <translation>随机种子（数据划分和权重）：</translation>
    </message>
    <message>
      <source>Device:</source>
      <translation>设备：</translation>
    </message>
    <message>
      <source>adapt</source>
      <translation>适配</translation>
    </message>
    <message>
      <source>check</source>
      <translation>检验</translation>
    </message>
    <message>
      <source>all</source>
      <translation>全部</translation>
    </message>
    <message>
      <source>train</source>
      <translation>训练</translation>
    </message>
    <message>
      <source>val</source>
      <translation>验证</translation>
    </message>
    <message>
      <source>test</source>
      <translation>测试</translation>
    </message>
    <message>
      <source>Trains on {0}.</source>
      <translation>在 {0} 上训练。</translation>
    </message>
    <message>
      <source>%1 with %2</source>
      <translation>%1（%2）</translation>
    </message>
    <message>
      <source>this will take less than a minute</source>
      <translation>不到一分钟即可完成</translation>
    </message>
    <message>
      <source>this will take about {0} minutes (timed on this PC; the estimate is refined as it runs)</source>
      <translation>大约需要 {0} 分钟（在本机上计时；运行中会更新估计）</translation>
    </message>
    <message>
      <source>Trains on {0} — {1}.</source>
      <translation>在 {0} 上训练——{1}。</translation>
    </message>
    <message>
      <source>This PC trains on its processor, not a graphics card (GPU); your IT staff can set up training on a GPU machine (see the README).</source>
      <translation>本机用处理器训练，而非显卡（GPU）；如需用 GPU 训练，可请 IT 人员在带 GPU 的机器上设置（见 README）。</translation>
    </message>
    <message>
      <source>Training data folder</source>
      <translation>训练数据文件夹</translation>
    </message>
    <message>
      <source>Training manifest</source>
      <translation>训练清单</translation>
    </message>
    <message>
      <source>Manifest (*.csv)</source>
      <translation>清单 (*.csv)</translation>
    </message>
    <message>
      <source>the processor (%1 cores)</source>
      <translation>处理器（%1 核）</translation>
    </message>
    <message>
      <source>COVID/ and Normal/ folders, or a manifest CSV</source>
      <translation>COVID/ 与 Normal/ 文件夹，或清单 CSV</translation>
    </message>
  </context>
  <context>
    <name>Viewer</name>
    <message>
      <source>Loading…</source>
      <translation>加载中…</translation>
    </message>
    <message>
      <source>Wheel: zoom · drag: pan · right-drag: brightness/contrast (window/level)</source>
      <translation>滚轮：缩放 · 拖动：平移 · 右键拖动：亮度/对比度（窗宽/窗位）</translation>
    </message>
    <message>
      <source>Normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>COVID-19</source>
      <translation>新冠肺炎</translation>
    </message>
    <message>
      <source>Heat map</source>
      <translation>热力图</translation>
    </message>
    <message>
      <source>Show the heat map over the image (H)</source>
      <translation>在图像上显示热力图 (H)</translation>
    </message>
    <message>
      <source>Heat-map opacity</source>
      <translation>热力图不透明度</translation>
    </message>
    <message>
      <source>Invert</source>
      <translation>反相</translation>
    </message>
    <message>
      <source>Swap dark and light (I)</source>
      <translation>明暗互换 (I)</translation>
    </message>
    <message>
      <source>Fit</source>
      <translation>适应窗口</translation>
    </message>
    <message>
      <source>Fit the whole image in the view (F)</source>
      <translation>整幅图像适应视图 (F)</translation>
    </message>
    <message>
      <source>1:1</source>
      <translation>1:1</translation>
    </message>
    <message>
      <source>One pixel of the file per screen pixel</source>
      <translation>文件的一个像素对应一个屏幕像素</translation>
    </message>
    <message>
      <source>Zoom in the file&apos;s own pixels. This film is shown from a copy of %1 x %2 pixels, with %3 times fewer pixels a side than the file: beyond %4 %, no finer detail appears.</source>
      <translation>缩放比例按文件自身的像素计。此影像以 %1 x %2 像素的副本显示，文件每边的像素是它的 %3 倍：放大到 %4 % 以上不会显示更细的细节。</translation>
    </message>
    <message>
      <source>Reset window</source>
      <translation>重置窗宽窗位</translation>
    </message>
    <message>
      <source>Restore the original brightness and contrast</source>
      <translation>恢复原始亮度和对比度</translation>
    </message>
    <message>
      <source>No picture</source>
      <translation>无影像</translation>
    </message>
    <message>
      <source>Select a row to see its film here</source>
      <translation>选择一行，在此查看其影像</translation>
    </message>
    <message>
      <source>Zoom %1 %  ·  W %2  L %3</source>
      <translation>缩放 %1 %  ·  窗宽 %2  窗位 %3</translation>
    </message>
  </context>
</TS>